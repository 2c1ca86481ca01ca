"""The poverty app's pages: the township view of monitored households, the risk-review
worklist, and one monitored household (timeline, steps, income, checklist, measures).

Views read through the scoped querysets and change through `actions`/`workflow`, like the
API; a step that is not the viewer's is a 403, one that is not possible now a message.
"""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gridgov.accounts.scope import access, has_permission
from gridgov.poverty import actions, queries, workflow
from gridgov.poverty.choices import (
    OPEN_STATES,
    Category,
    ClearedHow,
    Decision,
    RiskType,
    Rule,
    State,
)
from gridgov.poverty.forms import ChecklistForm, FindForm, IncomeForm
from gridgov.poverty.models import (
    ChecklistRecord,
    IncomeRecord,
    MonitoredHousehold,
    RiskReview,
)
from gridgov.registry.actions import PermissionDenied as ActionDenied
from gridgov.registry.actions import VersionConflict
from gridgov.registry.models import Household

PAGE_SIZE = 20
WITHIN = r"^[0-9]{2,15}$"


def poverty_page(view):
    """Signed in and holding `poverty.view` somewhere; anyone else gets the 404 page."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not has_permission(request.user, "poverty.view"):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(checked)


def _blank(choices):
    return [("", gettext_lazy("全部")), *choices]


class OverviewFilterForm(forms.Form):
    within = forms.RegexField(regex=WITHIN, required=False, label=gettext_lazy("地区代码"))
    category = forms.ChoiceField(choices=_blank(Category.choices), required=False)
    risk = forms.ChoiceField(choices=_blank(RiskType.choices), required=False)
    state = forms.ChoiceField(choices=_blank(State.choices), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].label = _("监测类别")
        self.fields["risk"].label = _("风险类型")
        self.fields["state"].label = _("状态")


class StepForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in workflow.ACTIONS])
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    cleared_how = forms.ChoiceField(choices=_blank(ClearedHow.choices), required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices)
    note = forms.CharField(required=False, max_length=500)


def _page(request, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@poverty_page
def overview(request):
    """The township view: open monitored households by category and risk, with helpers."""
    form = OverviewFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    within = filters.get("within") or ""
    rows = queries.monitored_for(
        request.user,
        category=filters.get("category") or "",
        risk=filters.get("risk") or "",
        state=filters.get("state") or "",
        within=within,
    )
    if not filters.get("state"):
        rows = rows.filter(state__in=OPEN_STATES)
    figures = queries.township_overview(request.user, within)
    categories = [(label, figures["by_category"].get(code, 0)) for code, label in Category.choices]
    risks = [(label, figures["by_risk"][code]) for code, label in RiskType.choices]
    return render(
        request,
        "poverty/overview.html",
        {
            "form": form,
            "page": _page(request, rows),
            "query": _query(request),
            "categories": categories,
            "risks": risks,
            "total": figures["total"],
        },
    )


@poverty_page
def reviews(request):
    """The worklist of risk reviews waiting for a decision."""
    rule = request.GET.get("rule") or ""
    rows = queries.reviews_for(request.user, rule=rule if rule in Rule.values else "")
    return render(
        request,
        "poverty/reviews.html",
        {
            "page": _page(request, rows),
            "query": _query(request),
            "can_decide": has_permission(request.user, "poverty.review"),
            "rules": Rule.choices,
            "rule": rule,
        },
    )


@require_POST
@poverty_page
def decide(request, review_uuid):
    review = access(RiskReview.objects, request.user, uuid=review_uuid)
    if not has_permission(request.user, "poverty.review", review.region_code):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择确认或排除。"))
        return redirect("poverty:reviews")
    try:
        decided = actions.decide_review(
            actor=request.user,
            review=review,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("poverty:reviews")
    except workflow.IllegalTransition:
        messages.error(request, _("这条风险已经处理过了。"))
        return redirect("poverty:reviews")
    if decided.monitored_id:
        messages.success(request, _("已确认风险，已纳入监测流程。"))
        return redirect("poverty:monitored", decided.monitored.uuid)
    messages.success(request, _("已排除。"))
    return redirect("poverty:reviews")


def _monitored(request, monitored_uuid) -> MonitoredHousehold:
    return access(
        MonitoredHousehold.objects.select_related("household__head", "household__grid"),
        request.user,
        uuid=monitored_uuid,
    )


@poverty_page
def monitored(request, monitored_uuid):
    """One monitored household: facts, the steps possible now, timeline, income, checklist,
    measures and pending reviews."""
    record = queries.monitored_detail(request.user, _monitored(request, monitored_uuid))
    household = record.household
    labels = {spec.action: spec.label for spec in workflow.TABLE}
    return render(
        request,
        "poverty/monitored.html",
        {
            "monitored": record,
            "head_name": queries.head_name(household),
            "helper_phone": queries.masked_phone(record.helper_phone),
            "steps_possible": [
                (action, labels[action])
                for action in workflow.allowed_actions(record, request.user)
            ],
            "cleared_how_choices": ClearedHow.choices,
            "income": IncomeRecord.objects.visible_to(request.user).filter(household=household),
            "checklists": ChecklistRecord.objects.visible_to(request.user).filter(
                household=household
            ),
        },
    )


@require_POST
@poverty_page
def step(request, monitored_uuid):
    record = _monitored(request, monitored_uuid)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("无效的操作。"))
        return redirect("poverty:monitored", record.uuid)
    try:
        workflow.transition(
            record,
            form.cleaned_data["action"],
            actor=request.user,
            note=form.cleaned_data["note"],
            cleared_how=form.cleaned_data["cleared_how"],
        )
    except ActionDenied as error:
        raise PermissionDenied from error
    except workflow.IllegalTransition:
        messages.error(request, _("当前状态不能执行这个操作，页面已刷新。"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已办理。"))
    return redirect("poverty:monitored", record.uuid)


# --- Finding a household, recording its income and checklist ----------------------------------


def _household(request, household_uuid):
    return access(
        Household.objects.select_related("grid"),
        request.user,
        permission="poverty.view",
        uuid=household_uuid,
    )


def _require_report(request, household) -> None:
    if not has_permission(request.user, "poverty.report", household.region_code):
        raise PermissionDenied


def _put_errors(form, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


def _form_page(request, household, form, title):
    return render(
        request,
        "poverty/household_form.html",
        {"household": household, "form": form, "title": title},
    )


@poverty_page
def household_find(request, household_uuid):
    """Start monitoring a household found at risk (发现)."""
    household = _household(request, household_uuid)
    _require_report(request, household)
    form = FindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            monitored, _created = actions.find_household(
                actor=request.user, household=household, **form.cleaned_data
            )
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(request, _("已发现并提交村级审核。"))
            return redirect("poverty:monitored", monitored.uuid)
    return _form_page(request, household, form, _("纳入监测：发现风险"))


def _year(request) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() else timezone.localdate().year - 1


def _record_page(request, household_uuid, *, model, form_class, action, title):
    household = _household(request, household_uuid)
    _require_report(request, household)
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            year, version = data.pop("year"), data.pop("version")
            if form_class is IncomeForm:
                data = {k: v for k, v in data.items() if v is not None or k == "member_count"}
            try:
                action(
                    actor=request.user,
                    household=household,
                    year=year,
                    expected_version=version if version is not None else 0,
                    **data,
                )
            except ValidationError as error:
                _put_errors(form, error)
            except VersionConflict:
                form.add_error(None, _("这条记录刚被别人修改过，请重新打开后再改。"))
            else:
                messages.success(request, _("已保存。"))
                return redirect("web:household_card", household.uuid)
    else:
        year = _year(request)
        record = model.objects.filter(household=household, year=year).first()
        initial = {"year": year, "version": record.version if record else None}
        if record is not None:
            for name in form_class().fields:
                if name not in initial and hasattr(record, name):
                    value = getattr(record, name)
                    initial[name] = ("yes" if value else "no") if isinstance(value, bool) else value
        form = form_class(initial=initial)
    return _form_page(request, household, form, title)


@poverty_page
def household_income(request, household_uuid):
    return _record_page(
        request,
        household_uuid,
        model=IncomeRecord,
        form_class=IncomeForm,
        action=actions.record_income,
        title=_("记录家庭年收入"),
    )


@poverty_page
def household_checklist(request, household_uuid):
    return _record_page(
        request,
        household_uuid,
        model=ChecklistRecord,
        form_class=ChecklistForm,
        action=actions.record_checklist,
        title=_("两不愁三保障核查"),
    )
