"""Pages of the visits app: record a visit, the overdue-visits worklist, the work log and
coverage per grid. Each view reads through the scoped querysets (`access` answers one 404
for "missing" and "forbidden") and changes through a form that calls `visits.actions`."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gridgov.accounts.scope import access, has_permission, scope_codes
from gridgov.regions.models import Region
from gridgov.registry.models import Household
from gridgov.visits import queries
from gridgov.visits.forms import VisitForm, WorkLogForm

PAGE_SIZE = 20


def visits_page(view):
    """Signed in and holding `visits.view` somewhere; anyone else gets the 404 page."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not has_permission(request.user, "visits.view"):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(checked)


def _page(request, records):
    return Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _within(request) -> str:
    """The region a list is narrowed to (?within=code): one the user can see, else 404."""
    code = request.GET.get("within", "").strip()
    if code:
        access(Region.objects.only("code"), request.user, code=code)
    return code


@visits_page
def record_visit(request, household_uuid):
    """Record a visit to a household (with "use my position", up to three photos and an
    optional event)."""
    households = Household.objects.select_related("grid").defer("grid__geometry")
    household = access(households, request.user, uuid=household_uuid)
    if not has_permission(request.user, "visits.record", household.region_code):
        raise PermissionDenied
    form = VisitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        visit = form.save(actor=request.user, household=household)
        if visit is not None:
            if visit.event_id:
                messages.success(request, _("走访已记录，事件已上报。"))
            else:
                messages.success(request, _("走访已记录。"))
            return redirect(reverse("web:household_card", args=[household.uuid]))
    return render(request, "visits/visit_form.html", {"form": form, "household": household})


@visits_page
def overdue(request):
    """The households waiting for an overdue visit in the user's scope, most overdue first."""
    plans = queries.overdue_plans(request.user, within=_within(request))
    page = _page(request, plans)
    context = {
        "page": page,
        "rows": queries.overdue_rows(request.user, page.object_list),
        "query": _query_without_page(request),
        "within": request.GET.get("within", ""),
    }
    return render(request, "visits/overdue.html", context)


@visits_page
def worklog(request):
    """The work log of the user's scope, newest first, and a form to add an entry."""
    can_record = has_permission(request.user, "visits.record")
    form = WorkLogForm(request.POST or None, user=request.user) if can_record else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid() and form.save(actor=request.user) is not None:
            messages.success(request, _("已保存。"))
            return redirect("visits:worklog")
    entries = queries.worklog_for(request.user)
    if within := _within(request):
        entries = entries.within(within)
    page = _page(request, entries)
    context = {"form": form, "page": page, "query": _query_without_page(request)}
    return render(request, "visits/worklog.html", context)


@visits_page
def coverage(request):
    """Share of households visited within their norm, per grid under a region."""
    code = _within(request) or scope_codes(request.user, "visits.view")[0]
    region = access(Region.objects.defer("geometry"), request.user, code=code)
    rows = queries.coverage(request.user, region.code)
    households = sum(row["households"] for row in rows)
    covered = sum(row["covered"] for row in rows)
    context = {
        "region": region,
        "rows": rows,
        "households": households,
        "covered": covered,
        "share": covered / households if households else 0,
    }
    return render(request, "visits/coverage.html", context)
