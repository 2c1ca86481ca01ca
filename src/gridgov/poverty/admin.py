"""Django's admin for the configuration of poverty monitoring: monitoring lines and the
thresholds of the risk rules. Monitoring records change only through the actions and the
workflow, so they are not edited here. Every change is audited; nothing is deleted."""

from django.contrib import admin

from gridgov.accounts.admin import AuditedAdmin
from gridgov.poverty.models import MonitoringLine, RiskSettings


@admin.register(MonitoringLine)
class MonitoringLineAdmin(AuditedAdmin):
    list_display = ("region_code", "year", "amount", "updated_at")
    list_filter = ("year",)
    search_fields = ("region_code",)
    readonly_fields = ("set_by",)


@admin.register(RiskSettings)
class RiskSettingsAdmin(AuditedAdmin):
    list_display = ("region_code", "drop_percent", "medical_share_percent", "updated_at")
    search_fields = ("region_code",)
