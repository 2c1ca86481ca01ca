from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gridgov.accounts"
    verbose_name = "账号与权限 Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from gridgov.accounts import middleware, scope

        scope.connect_signals()
        user_logged_in.connect(
            middleware.touched_at_sign_in, dispatch_uid="gridgov.accounts.touched_at_sign_in"
        )
