from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "gridgov.registry"
    verbose_name = "基础信息 Registry"
