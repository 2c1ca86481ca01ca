from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "gridgov.cases"
    verbose_name = "事件处置 Events"

    def ready(self) -> None:
        # The reporter's phone number is masked in every audit entry, like the registry's.
        from gridgov.accounts.masking import SENSITIVE_FIELDS, mask_phone

        SENSITIVE_FIELDS.setdefault("reporter_phone", mask_phone)

        from gridgov.cases import configuration

        configuration.connect_signals()
