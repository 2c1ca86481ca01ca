"""The division tree in Django's admin: to look regions up (and to pick them when assigning
roles). It is read-only: the tree changes through the loader and the grid actions, which
check scope and write the audit log."""

from django.contrib import admin

from gridgov.accounts.admin import ReadOnlyAdmin
from gridgov.regions.models import Region


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "kind", "parent")
    list_filter = ("level",)
    search_fields = ("^code", "name", "^name_pinyin", "^name_initials")
    list_select_related = ("parent",)
    exclude = ("geometry",)
