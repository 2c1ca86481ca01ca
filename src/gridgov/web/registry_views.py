"""The register's pages: households, people, places and organisations.

Each view reads through the scoped querysets (`visible_to`; `access` answers one 404 for
"missing" and "forbidden") and changes through a form that calls `registry.actions`. People
are shown only as `privacy.resident_view` gives them. ID numbers and phones travel in POST
bodies, never in a URL: the people search is a POST form.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.accounts.scope import access
from gridgov.registry import queries
from gridgov.registry.choices import OrganisationKind, PlaceKind
from gridgov.registry.models import Household, Organisation, Place, PopulationTag
from gridgov.web import registry_pages as pages
from gridgov.web.registry_forms import (
    EndTagForm,
    HouseholdEditForm,
    HouseholdFilterForm,
    HouseholdForm,
    MoveForm,
    OrganisationEditForm,
    OrganisationForm,
    PlaceEditForm,
    PlaceForm,
    RecordFilterForm,
    ResidentEditForm,
    ResidentForm,
    ResidentSearchForm,
    RevealForm,
    TagForm,
)

PAGE_SIZE = 20


def registry_page(view):
    """Signed in and holding `registry.view` somewhere; anyone else gets the 404 page."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not pages.can(request.user, "registry.view"):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(checked)


def _require_edit(request, region_code: str | None = None) -> None:
    # Someone who may see a record but not change it is told so (403), not "not found".
    if not pages.can(request.user, "registry.edit", region_code):
        raise PermissionDenied


def _page(request, records):
    return Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))


def _list_context(request, form, page, **extra) -> dict:
    query = request.GET.copy()
    query.pop("page", None)
    return {"form": form, "page": page, "query": query.urlencode(), **extra}


def _household(request, household_uuid) -> Household:
    households = Household.objects.select_related("grid", "head").defer("grid__geometry")
    return access(households, request.user, uuid=household_uuid)


def _resident(request, resident_uuid):
    return access(queries.residents_for(request.user), request.user, uuid=resident_uuid)


def _saved(request, target):
    messages.success(request, _("已保存。"))
    return redirect(target)


# --- Households ---------------------------------------------------------------------------


@registry_page
def household_list(request):
    """The households the user may see, filtered and a page at a time."""
    form = HouseholdFilterForm(request.GET or None, user=request.user)
    if form.refused_private_text():
        # Out of the address bar at once: the next page's URL must not repeat the number.
        messages.error(request, form.errors["q"][0])
        return redirect("web:household_list")
    households = form.apply(queries.households_for(request.user))
    page = _page(request, pages.with_list_relations(households))
    rows = pages.household_rows(request.user, page.object_list)
    can_add = pages.can(request.user, "registry.edit")
    context = _list_context(request, form, page, rows=rows, can_add=can_add)
    return render(request, "registry/household_list.html", context)


@registry_page
def household_new(request):
    """Register a household (the grid can be preset from a region page: ?grid=code)."""
    _require_edit(request)
    initial = {"grid": request.GET.get("grid")}
    form = HouseholdForm(request.POST or None, user=request.user, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and (household := form.save(actor=request.user))
    ):
        return _saved(request, household_url(household))
    return render(request, "registry/household_form.html", {"form": form})


@registry_page
def household_card(request, household_uuid):
    """One household: its facts, its members as the user may see them, places nearby, map."""
    household = _household(request, household_uuid)
    context = {
        "household": household,
        "members": pages.members_of(request.user, household),
        "places": pages.places_near(request.user, household),
        "can_edit": pages.can(request.user, "registry.edit", household.region_code),
        "map_url": reverse("api:region_map", kwargs={"code": household.region_code}),
    }
    return render(request, "registry/household_card.html", context)


@registry_page
def household_edit(request, household_uuid):
    household = _household(request, household_uuid)
    _require_edit(request, household.region_code)
    form = HouseholdEditForm(request.POST or None, user=request.user, household=household)
    if request.method == "POST" and form.is_valid() and form.save(actor=request.user):
        return _saved(request, household_url(household))
    context = {"form": form, "household": household}
    return render(request, "registry/household_form.html", context)


def household_url(household: Household) -> str:
    return reverse("web:household_card", kwargs={"household_uuid": household.uuid})


# --- Residents ----------------------------------------------------------------------------


def resident_url(resident) -> str:
    return reverse("web:resident_detail", kwargs={"resident_uuid": resident.uuid})


@registry_page
def resident_new(request, household_uuid):
    """Add a person to a household."""
    household = _household(request, household_uuid)
    _require_edit(request, household.region_code)
    form = ResidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resident = form.save(actor=request.user, household=household)
        if resident:
            return _saved(request, resident_url(resident))
    return render(request, "registry/resident_form.html", {"form": form, "household": household})


@registry_page
def resident_detail(request, resident_uuid):
    """One person, masked unless the user has just asked to see them in clear."""
    return _resident_page(request, _resident(request, resident_uuid))


def _resident_page(request, resident, **bound_forms):
    """The resident page; a form that failed is passed in bound, with its errors."""
    user = request.user
    person = pages.present_residents(user, [resident])[0]
    can_edit = pages.can(user, "registry.edit", resident.region_code)
    failed = bound_forms.get("end_form")
    for tag in person["tags"] if can_edit else []:
        same = failed is not None and failed.tag_uuid == tag["uuid"]
        tag["end_form"] = failed if same else EndTagForm(tag_uuid=tag["uuid"])
    hidden = person["masked"] and person["minor"]
    context = {
        "person": person,
        "resident": resident,
        "household": resident.household,
        "revealed_until": None if person["masked"] else pages.revealed_until(user, resident),
        "can_edit": can_edit,
        "can_reveal": pages.can(user, "registry.reveal", resident.region_code),
        "reveal_form": bound_forms.get("reveal_form") or RevealForm(),
        "tag_form": (bound_forms.get("tag_form") or TagForm()) if can_edit else None,
        "move_form": (bound_forms.get("move_form") or MoveForm(user=user, resident=resident))
        if can_edit
        else None,
        # A child's history is as private as the rest of the child's record.
        "moves": [] if hidden else pages.moves_of(resident),
    }
    return render(request, "registry/resident_detail.html", context)


@registry_page
def resident_edit(request, resident_uuid):
    resident = _resident(request, resident_uuid)
    _require_edit(request, resident.region_code)
    person = pages.present_residents(request.user, [resident])[0]
    if person["masked"] and person["minor"]:
        messages.info(request, _("儿童的信息是隐藏的：请先“查看明文”，再修改。"))
        return redirect(resident_url(resident))
    form = ResidentEditForm(request.POST or None, resident=resident, view=person)
    if request.method == "POST" and form.is_valid() and form.save(actor=request.user):
        return _saved(request, resident_url(resident))
    context = {
        "form": form,
        "resident": resident,
        "person": person,
        "household": resident.household,
    }
    return render(request, "registry/resident_form.html", context)


@registry_page
@require_POST
def resident_reveal(request, resident_uuid):
    """Show this person in clear for a while, for the reason given (audited)."""
    resident = _resident(request, resident_uuid)
    form = RevealForm(request.POST)
    if form.is_valid() and form.save(actor=request.user, resident=resident):
        return redirect(resident_url(resident))
    return _resident_page(request, resident, reveal_form=form)


@registry_page
@require_POST
def resident_add_tag(request, resident_uuid):
    resident = _resident(request, resident_uuid)
    form = TagForm(request.POST)
    if form.is_valid() and form.save(actor=request.user, resident=resident):
        return _saved(request, resident_url(resident))
    return _resident_page(request, resident, tag_form=form)


@registry_page
@require_POST
def resident_end_tag(request, resident_uuid, tag_uuid):
    resident = _resident(request, resident_uuid)
    tags = PopulationTag.objects.filter(resident=resident)
    tag = access(tags, request.user, uuid=tag_uuid)
    form = EndTagForm(request.POST, tag_uuid=str(tag.uuid))
    if form.is_valid() and form.save(actor=request.user, tag=tag):
        return _saved(request, resident_url(resident))
    return _resident_page(request, resident, end_form=form)


@registry_page
def resident_move(request, resident_uuid):
    """Move a person to another household: pick one of the village's, or search (?q=)."""
    resident = _resident(request, resident_uuid)
    _require_edit(request, resident.region_code)
    search = request.GET.get("q", "")
    form = MoveForm(request.POST or None, user=request.user, resident=resident, search=search)
    if (
        request.method == "POST"
        and form.is_valid()
        and form.save(actor=request.user, resident=resident)
    ):
        return _saved(request, resident_url(resident))
    person = pages.present_residents(request.user, [resident])[0]
    context = {"form": form, "resident": resident, "person": person, "search": form.search}
    return render(request, "registry/resident_move.html", context)


@registry_page
def resident_search(request):
    """Find people by name, pinyin, initials, ID number (or its last 6) or phone (POST)."""
    form = ResidentSearchForm(request.POST or None, user=request.user)
    page = None
    if form.is_bound:
        found = form.search(queries.residents_for(request.user))
        page = Paginator(found, PAGE_SIZE).get_page(request.POST.get("page"))
    people = pages.present_residents(request.user, page.object_list) if page else []
    context = {"form": form, "page": page, "people": people}
    return render(request, "registry/resident_search.html", context)


# --- Places and organisations ---------------------------------------------------------------

_RECORDS = {
    "place": (Place, PlaceKind, PlaceForm, "keeper_phone"),
    "organisation": (Organisation, OrganisationKind, OrganisationForm, "contact_phone"),
}
_EDIT_FORMS = {"place": PlaceEditForm, "organisation": OrganisationEditForm}


def _record_list(request, kind: str):
    model, kinds, _form, phone_field = _RECORDS[kind]
    form = RecordFilterForm(request.GET or None, user=request.user, kinds=kinds)
    records = model.objects.visible_to(request.user).select_related("grid").defer("grid__geometry")
    page = _page(request, form.apply(records.order_by("region_code", "kind", "name")))
    rows = pages.record_rows(page.object_list, phone_field)
    can_add = pages.can(request.user, "registry.edit")
    context = _list_context(request, form, page, rows=rows, kind=kind, can_add=can_add)
    return render(request, "registry/record_list.html", context)


def _record_new(request, kind: str):
    _require_edit(request)
    form_class = _RECORDS[kind][2]
    initial = {"grid": request.GET.get("grid")}
    form = form_class(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid() and form.save(actor=request.user):
        return _saved(
            request, reverse(f"web:{kind}_list") + f"?within={form.cleaned_data['grid'].code}"
        )
    return render(request, "registry/record_form.html", {"form": form, "kind": kind})


def _record_edit(request, kind: str, record_uuid):
    model = _RECORDS[kind][0]
    record = access(model.objects.select_related("grid"), request.user, uuid=record_uuid)
    _require_edit(request, record.region_code)
    form = _EDIT_FORMS[kind](request.POST or None, user=request.user, record=record)
    if request.method == "POST" and form.is_valid() and form.save(actor=request.user):
        return _saved(request, reverse(f"web:{kind}_list") + f"?within={record.region_code}")
    context = {"form": form, "kind": kind, "record": record}
    return render(request, "registry/record_form.html", context)


@registry_page
def place_edit(request, place_uuid):
    return _record_edit(request, "place", place_uuid)


@registry_page
def organisation_edit(request, organisation_uuid):
    return _record_edit(request, "organisation", organisation_uuid)


@registry_page
def place_list(request):
    """Places and things (地、物) in the user's scope."""
    return _record_list(request, "place")


@registry_page
def place_new(request):
    return _record_new(request, "place")


@registry_page
def organisation_list(request):
    """Organisations (组织) in the user's scope."""
    return _record_list(request, "organisation")


@registry_page
def organisation_new(request):
    return _record_new(request, "organisation")
