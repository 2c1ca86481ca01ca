from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gridgov.accounts"
    verbose_name = "账号与权限 Accounts"
