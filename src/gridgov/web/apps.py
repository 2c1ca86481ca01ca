from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "gridgov.web"
    verbose_name = "网页 Web"
