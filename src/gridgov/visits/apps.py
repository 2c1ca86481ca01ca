from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "gridgov.visits"
    verbose_name = "走访 Visits"

    def ready(self) -> None:
        from gridgov.registry.signals import household_changed
        from gridgov.visits import plans

        household_changed.connect(plans.on_household_changed, dispatch_uid="visits.plans")
