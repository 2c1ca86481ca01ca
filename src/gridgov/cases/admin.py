"""Django's admin for the events' configuration: categories, deadline rules, skip-level
rules and the working-day calendar. Events themselves change only through the workflow,
so they are not edited here. Every change is audited; nothing is deleted (retire a
category with "active" instead: events keep their category)."""

from django.contrib import admin
from django.db import transaction

from gridgov.accounts.admin import AuditedAdmin
from gridgov.cases import calendar
from gridgov.cases.models import CalendarDay, Category, DeadlineRule, EscalationRule


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = (
        "code",
        "name_zh",
        "name_en",
        "default_level",
        "default_department_kind",
        "is_active",
    )
    list_filter = ("is_active", "default_level", "parent")
    search_fields = ("code", "name_zh", "name_en")
    ordering = ("sort_order", "code")


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(AuditedAdmin):
    list_display = (
        "__str__",
        "unit",
        "accept_yellow",
        "accept_red",
        "handle_yellow",
        "handle_red",
        "verify_yellow",
        "verify_red",
        "warning_percent",
    )
    list_filter = ("level", "urgency", "unit")


@admin.register(EscalationRule)
class EscalationRuleAdmin(AuditedAdmin):
    list_display = ("category", "urgency", "target_level")


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"
    search_fields = ("note",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Every process drops its cached year; deadlines computed from now on use the edit.
        transaction.on_commit(calendar.calendar_changed)
