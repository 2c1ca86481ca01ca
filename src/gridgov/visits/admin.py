"""Django's admin for the county's household visit norms (per-tag norms are the register's
visit rules, registry.TagRule). Visits themselves change only through the actions. Changes
are audited; the nightly refresh (or `gridgov visits plans`) carries them to the due dates."""

from django.contrib import admin

from gridgov.accounts.admin import AuditedAdmin
from gridgov.visits.models import VisitNorm


@admin.register(VisitNorm)
class VisitNormAdmin(AuditedAdmin):
    list_display = ("norm", "visit_interval_days")
