"""Forms for people."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from gridgov.accounts.actions import LoginRefused, authenticate_user


class LoginForm(AuthenticationForm):
    """Django's sign-in form, with our lockout rules."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = authenticate_user(
                    self.request, username=username, password=password
                )
            except LoginRefused as refused:
                raise forms.ValidationError(refused.message, code="invalid_login") from refused
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
