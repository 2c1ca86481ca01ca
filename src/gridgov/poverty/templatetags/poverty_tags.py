"""`{% household_poverty household %}`: the household card's monitoring section (status,
income history, checklist), shown to those who may see poverty data there."""

from django import template

from gridgov.accounts.scope import has_permission
from gridgov.poverty import queries

register = template.Library()


@register.inclusion_tag("poverty/household_poverty.html", takes_context=True)
def household_poverty(context, household):
    user = context["request"].user
    if not has_permission(user, "poverty.view", household.region_code):
        return {"show": False}
    data = queries.household_poverty(user, household)
    return {
        "show": True,
        "monitoring": data["monitoring"],
        "income": data["income"],
        "checklists": data["checklists"],
        "reviews": data["reviews"],
        "household": household,
        "can_report": has_permission(user, "poverty.report", household.region_code),
    }
