from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gridgov.accounts"
    verbose_name = "账号与权限 Accounts"

    def ready(self) -> None:
        from gridgov.accounts import scope

        scope.connect_signals()
