"""Forms for people."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.actions import LoginRefused, authenticate_user
from gridgov.regions import queries


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


class RegionSearchForm(forms.Form):
    """The region browser's search box: a name in Hanzi, its full pinyin or its initials
    (十八洞村, shibadong, sbd), or the start of a region code."""

    q = forms.CharField(label=_("搜索区划"), max_length=50, required=False)

    def search(self, regions: QuerySet) -> QuerySet:
        """The matching regions among `regions` (empty when there is nothing to search for)."""
        text = self.cleaned_data.get("q", "") if self.is_valid() else ""
        if not text.strip():
            return regions.none()
        # Boundaries are not shown in a list of results and can be large: leave them out.
        matches = queries.search(regions, text).select_related("parent")
        return matches.defer("geometry", "parent__geometry").order_by("code")
