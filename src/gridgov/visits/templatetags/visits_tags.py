"""`{% household_visits household %}`: the visits section of the household card, for the
signed-in user: recent visits as they may see them (with their photos' thumbnails) and the
household's visit plan."""

from django import template
from django.utils import timezone

from gridgov.accounts.scope import has_permission
from gridgov.visits import plans, queries

register = template.Library()

RECENT_VISITS = 5


@register.inclusion_tag("visits/household_visits.html", takes_context=True)
def household_visits(context, household):
    user = context["request"].user
    if not has_permission(user, "visits.view", household.region_code):
        return {"shown": False}
    visits = queries.visits_for(user).filter(household=household)[:RECENT_VISITS]
    today = timezone.localdate()
    plan = plans.plan_for(household, today)
    plan.household = household
    return {
        "shown": True,
        "household": household,
        "visits": queries.with_photos(queries.present_visits(user, visits)),
        "plan": queries.plan_view(plan, today),
        "can_record": has_permission(user, "visits.record", household.region_code),
    }


@register.inclusion_tag("visits/overdue_summary.html", takes_context=True)
def overdue_visits_summary(context):
    """For a worklist or home page: how many households in the user's scope wait for an
    overdue visit, with a link to the list (nothing for users without visits)."""
    user = context["request"].user
    if not has_permission(user, "visits.view"):
        return {"shown": False}
    return {"shown": True, "count": queries.overdue_count(user)}


@register.inclusion_tag("visits/nav_links.html", takes_context=True)
def visits_nav_links(context):
    """The menu entries of the visits pages, for users who may see visits."""
    request = context["request"]
    match = getattr(request, "resolver_match", None)
    return {
        "shown": has_permission(request.user, "visits.view"),
        "current": match.url_name if match is not None and match.namespace == "visits" else "",
    }
