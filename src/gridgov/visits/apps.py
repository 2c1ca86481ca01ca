from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "gridgov.visits"
    verbose_name = "走访 Visits"
