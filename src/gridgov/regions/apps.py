from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "gridgov.regions"
    verbose_name = "区划与网格 Regions"
