"""The event pages: my worklist, the events I can see, one event with its actions, the intake
and hotline forms, and my inbox.

Each view reads through the scoped querysets (`Event.objects.visible_to`; `access` answers
one 404 for "missing" and "forbidden") and changes only through `cases.actions.report_event`
and `cases.workflow.transition`. An action that is not the user's is a 403 with the
workflow's own words; one that is theirs but not possible now, or an event changed by someone
else since the page was drawn, brings the page back with a message and nothing changed.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.accounts.scope import access
from gridgov.cases import attachments, deadlines, links, notifications, workflow, worklist
from gridgov.cases.models import Event
from gridgov.cases.workflow import TRANSITIONS, IllegalTransition, VersionConflict
from gridgov.web import event_pages as pages
from gridgov.web.event_forms import (
    ActionChoices,
    EventFilterForm,
    HotlineForm,
    IntakeForm,
    TransitionForm,
    add_action_errors,
)

PAGE_SIZE = 50


def event_url(event: Event) -> str:
    return reverse("web:event_detail", kwargs={"event_uuid": event.uuid})


def _page(request, records):
    return Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, template, context, status=status)


def _forbidden(request, message: str):
    return _render(request, "cases/forbidden.html", {"message": message}, status=403)


# --- Lists -----------------------------------------------------------------------------------


@login_required
def worklist_page(request):
    """工作台: what waits for me, one tab per kind of work, overdue first."""
    now = timezone.now()
    requested = request.GET.get("bucket") or ""
    waiting = worklist.waiting(request.user, requested or None)
    totals = waiting.counts
    bucket = requested if requested in totals else ""
    if requested and not bucket:  # not one of the user's tabs: show them all
        waiting = worklist.waiting(request.user)
    page = _page(request, waiting.entries)
    events = worklist.events_of(page.object_list, pages.with_list_relations(Event.objects.all()))
    tabs = [("", _("全部"), sum(totals.values()))] + [
        (b.key, b.label, totals[b.key]) for b in worklist.BUCKETS if b.key in totals
    ]
    context = {
        "tabs": tabs,
        "bucket": bucket,
        "has_buckets": bool(totals),
        "page": page,
        "rows": pages.worklist_rows(events, now),
        "query": _query_without_page(request),
        "can_report": pages.can_report(request.user),
        "can_take_calls": pages.can_take_calls(request.user),
    }
    return _render(request, "cases/worklist.html", context)


@login_required
def event_list(request):
    """事件: every event the user may see, filtered, newest first."""
    now = timezone.now()
    form = EventFilterForm(request.GET or None, user=request.user)
    events = form.apply(Event.objects.visible_to(request.user), now)
    page = _page(request, pages.with_list_relations(events))
    context = {
        "form": form,
        "page": page,
        "rows": [pages.event_row(event, now) for event in page.object_list],
        "query": _query_without_page(request),
        "can_report": pages.can_report(request.user),
    }
    return _render(request, "cases/event_list.html", context)


# --- One event -------------------------------------------------------------------------------------


def _event(request, event_uuid) -> Event:
    return access(pages.event_for_page(Event.objects), request.user, uuid=event_uuid)


def _event_page(
    request,
    event: Event,
    *,
    bound: TransitionForm | None = None,
    status: int = 200,
    upload_error: str = "",
):
    """The event page; a form that failed comes in bound, with its errors."""
    user = request.user
    now = timezone.now()
    allowed = workflow.allowed_actions(event, user, now)
    choices = ActionChoices(user)
    duplicates = choices.duplicates(event) if pages.may_merge(allowed) else []
    forms = []
    for action in allowed:
        if action == "merge" and not duplicates:
            continue  # nothing to merge into
        if bound is not None and bound.action == action:
            forms.append(bound)
        else:
            forms.append(TransitionForm(action=action, event=event, choices=choices))
    due = deadlines.running_due(event)
    context = {
        "event": event,
        "reporter": pages.reporter_of(event),
        "path": pages.grid_path(user, event),
        "due": due,
        "due_text": pages.due_text(due, now),
        "overdue": due is not None and due < now,
        "assignments": pages.assignments_of(event),
        "requests": pages.pending_requests(event),
        "steps": pages.timeline(event),
        "duplicates": [{"event": other, "key": uuid.uuid4().hex} for other in duplicates],
        "forms": forms,
        "open_action": bound.action if bound is not None else "",
        "map_url": reverse("api:region_map", kwargs={"code": event.region_code}),
        "attachments": list(attachments.attachments_of(event)),
        "links": [links.link_view(link) for link in links.links_of(event)],
        "may_attach": links.may_work_on(user, event),
        "upload_key": uuid.uuid4(),
        "upload_error": upload_error,
    }
    return _render(request, "cases/event_detail.html", context, status=status)


@login_required
def event_detail(request, event_uuid):
    """One event: facts, deadlines, departments, the map, the timeline and my actions."""
    return _event_page(request, _event(request, event_uuid))


@login_required
@require_POST
def event_attach(request, event_uuid):
    """Add a photo or document to the event. The page's key makes a resent upload land once;
    a refused file leaves nothing behind and says why."""
    event = _event(request, event_uuid)
    upload = request.FILES.get("file")
    if upload is None:
        return _event_page(request, event, upload_error=_("请选择文件"))
    try:
        key = uuid.UUID(request.POST.get("uuid", ""))
    except ValueError:
        key = None
    try:
        attachments.attach(actor=request.user, event=event, upload=upload, uuid=key)
    except workflow.PermissionDenied as denied:
        return _forbidden(request, str(denied.args[0]) if denied.args else "")
    except ValidationError as error:
        text = " ".join(" ".join(messages_) for messages_ in error.message_dict.values())
        return _event_page(request, event, upload_error=text)
    messages.success(request, _("附件已添加。"))
    return redirect(event_url(event))


def _labels(actions: list[str]) -> str:
    return "、".join(str(TRANSITIONS[action].label) for action in actions) or _("无")


@login_required
@require_POST
def event_act(request, event_uuid, action: str):
    """Take one action on the event, from its form on the event page."""
    event = _event(request, event_uuid)
    if action not in TRANSITIONS:
        raise Http404
    choices = ActionChoices(request.user)
    form = TransitionForm(request.POST, action=action, event=event, choices=choices)
    valid = form.is_valid()
    if not valid and action in workflow.allowed_actions(event, request.user):
        return _event_page(request, event, bound=form)
    # An action that is not the user's (403) or not possible now (409) is still sent to the
    # workflow, which says which, and with the version the page was drawn from nothing can
    # happen by surprise; a resent form (same idempotency key) gets its first result back.
    data = form.cleaned_data
    try:
        step = workflow.transition(
            event,
            action,
            actor=request.user,
            expected_version=data.get("version") or event.version,
            idempotency_key=data.get("idempotency_key", ""),
            **(form.details() if valid else {}),
        )
    except workflow.PermissionDenied as denied:
        return _forbidden(request, str(denied.args[0]) if denied.args else "")
    except VersionConflict:
        return _conflict(request, event)
    except IllegalTransition as illegal:
        return _illegal(request, event, illegal)
    except ValidationError as error:
        add_action_errors(form, error)
        return _event_page(request, event, bound=form)
    messages.success(
        request,
        _("已办理：%(action)s。") % {"action": TRANSITIONS[step.action].label},
    )
    return redirect(event_url(event))


def _conflict(request, event: Event):
    messages.error(
        request,
        _("该事件已被他人更新，您的操作没有执行。请看最新情况后再办理。"),
    )
    event.refresh_from_db()
    return _event_page(request, event, status=409)


def _illegal(request, event: Event, illegal: IllegalTransition):
    messages.error(
        request,
        _("当前状态（%(state)s）不能执行“%(action)s”。现在可以：%(allowed)s。")
        % {
            "state": event.get_state_display(),
            "action": TRANSITIONS[illegal.action].label,
            "allowed": _labels(illegal.allowed),
        },
    )
    event.refresh_from_db()
    return _event_page(request, event, status=409)


# --- Intake --------------------------------------------------------------------------------------


def _reported(request, event: Event):
    duplicates = ActionChoices(request.user).duplicates(event)
    messages.success(request, _("已上报。查询码：%(code)s") % {"code": event.tracking_code})
    if duplicates:
        messages.warning(
            request,
            _("附近有 %(count)s 件类似的在办事件，可能重复，请看页面下方“可能重复”。")
            % {"count": len(duplicates)},
        )
    return redirect(event_url(event))


@login_required
def event_new(request):
    """上报事件: a grid worker reports what they found, on the map or by grid."""
    if not pages.can_report(request.user):
        return _forbidden(request, _("您没有上报事件的权限。"))
    form = IntakeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid() and (event := form.save(actor=request.user)):
        return _reported(request, event)
    map_code = pages.map_code_for_reporting(request.user)
    context = {
        "form": form,
        "map_url": reverse("api:region_map", kwargs={"code": map_code}) if map_code else "",
    }
    return _render(request, "cases/event_form.html", context)


@login_required
def event_hotline(request):
    """12345 热线: an operator at a centre records a call for the grid it is about."""
    if not pages.can_take_calls(request.user):
        return _forbidden(request, _("热线登记由乡镇和县综治中心办理。"))
    search = (request.POST.get("q") if request.method == "POST" else request.GET.get("q")) or ""
    grids = pages.search_grids(request.user, search)
    initial = {"q": search}
    form = HotlineForm(request.POST or None, user=request.user, grids=grids, initial=initial)
    if request.method == "POST" and form.is_valid() and (event := form.save(actor=request.user)):
        return _reported(request, event)
    context = {"form": form, "search": search, "searched": bool(search.strip())}
    return _render(request, "cases/hotline_form.html", context)


# --- Inbox ----------------------------------------------------------------------------------------


@login_required
def inbox(request):
    """消息: my notifications, unread first."""
    page = _page(request, pages.inbox_of(request.user))
    return _render(request, "cases/inbox.html", {"page": page, "query": ""})


@login_required
@require_POST
def inbox_read(request):
    """Mark one notification (`notification`) or all of mine (`all`) read."""
    user = request.user
    if request.POST.get("all"):
        ids = pages.unread_ids(user)
    else:
        value = request.POST.get("notification", "")
        ids = [int(value)] if value.isdigit() else []
    if ids:
        notifications.mark_read(actor=user, notification_ids=ids)
    return redirect("web:inbox")
