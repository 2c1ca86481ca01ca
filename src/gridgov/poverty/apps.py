from django.apps import AppConfig


class PovertyConfig(AppConfig):
    name = "gridgov.poverty"
    verbose_name = "防返贫监测 Poverty-relapse monitoring"
