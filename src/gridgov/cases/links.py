"""Links between an event and the register (关联): the households, residents, places and
organisations an event concerns.

Who may link: someone who sees the event and the record, and holds a case permission over
the event (reports, accepts or handles events there). A link is not part of the event's
state, so it does not change the event's version; adding and removing one is written to the
timeline, with the record named as every reader of the timeline may see it (a child's name
masked), and to the audit log.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts import audit
from gridgov.accounts.scope import access, has_permission
from gridgov.cases.models import Event, EventLink, EventStep
from gridgov.cases.workflow import PermissionDenied
from gridgov.registry import privacy
from gridgov.registry.models import Household, Organisation, Place, Resident

# Holding any of these over the event's region lets someone add links and attachments.
WORKING_PERMISSIONS = ("cases.report", "cases.accept", "cases.handle")

# How timelines name the steps written here (they are not workflow transitions).
STEP_LABELS = {
    "link": _("关联记录"),
    "unlink": _("取消关联"),
    "attach": _("添加附件"),
}

_FIELD_OF = {
    Household: "household",
    Resident: "resident",
    Place: "place",
    Organisation: "organisation",
}
_LABEL_OF = {
    "household": "户 household",
    "resident": "人员 resident",
    "place": "场所 place",
    "organisation": "组织 organisation",
}


def target_for(user, kind: str, record_uuid):
    """The register record a client names by kind ("household", "resident", "place",
    "organisation") and UUID, if `user` may see it; 404 otherwise, and for an unknown kind."""
    model = next((model for model, field in _FIELD_OF.items() if field == kind), None)
    if model is None:
        raise Http404
    return access(model.objects, user, uuid=record_uuid)


def may_work_on(actor, event: Event) -> bool:
    """Does `actor` hold a case permission (report, accept, handle) over the event's region?
    Seeing the event is checked separately (404 before 403)."""
    return any(has_permission(actor, name, event.region_code) for name in WORKING_PERMISSIONS)


def require_working_access(actor, event: Event) -> None:
    """404 when the actor cannot see the event; 403 when they see it but only look."""
    if not Event.objects.visible_to(actor).filter(pk=event.pk).exists():
        raise Http404
    if not may_work_on(actor, event):
        raise PermissionDenied("link records to or attach files to")


def _target_field(target) -> str:
    field = _FIELD_OF.get(type(target))
    if field is None:
        raise TypeError(f"cannot link an event to {type(target).__name__}")
    return field


def _require_visible_record(actor, target) -> None:
    if not type(target).objects.visible_to(actor).filter(pk=target.pk).exists():
        raise Http404


def describe(target, *, today=None) -> str:
    """How the timeline names a record: what anyone who reads the event may see. A resident's
    name goes through the register's privacy rules (a child under 14 shows as 龙**)."""
    if isinstance(target, Resident):
        return privacy.resident_view(target, revealed=False, today=today)["name"]
    return str(target)


def link_view(link: EventLink, *, today=None) -> dict:
    """One link as an API or page shows it: the kind, the record's UUID and masked label."""
    kind = link.target_kind
    target = link.target
    return {
        "kind": kind,
        "kind_label": _LABEL_OF[kind],
        "uuid": str(target.uuid),
        "region_code": target.region_code,
        "label": describe(target, today=today),
        "linked_by": link.created_by.get_username() if link.created_by_id else None,
        "linked_at": link.created_at,
    }


def links_of(event: Event) -> QuerySet:
    """The event's links with their records, for `link_view` (one query, plus one for the
    tags of linked residents)."""
    return (
        EventLink.objects.filter(event=event)
        .select_related("household", "resident__household", "place", "organisation", "created_by")
        .prefetch_related("resident__tags")
    )


def _step(actor, event: Event, action: str, note: str, details: dict) -> EventStep:
    return EventStep.objects.create(
        event=event,
        action=action,
        actor=actor if actor.pk is not None else None,
        actor_label=str(actor),
        from_state=event.state,
        to_state=event.state,
        from_level=event.level,
        to_level=event.level,
        note=note,
        details=details,
        created_at=timezone.now(),
    )


@transaction.atomic
def link(*, actor, event: Event, target) -> tuple[EventLink, bool]:
    """关联: tie `event` to a household, resident, place or organisation; returns
    (link, created). Linking a record that is already linked returns the existing link."""
    field = _target_field(target)
    require_working_access(actor, event)
    _require_visible_record(actor, target)
    existing = EventLink.objects.filter(event=event, **{field: target}).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            made = EventLink.objects.create(
                event=event, created_by=actor, created_at=timezone.now(), **{field: target}
            )
    except IntegrityError:
        # Someone linked the same record at the same moment: theirs is the link.
        return EventLink.objects.get(event=event, **{field: target}), False
    label = describe(target)
    _step(
        actor,
        event,
        "link",
        f"关联{_LABEL_OF[field]}: {label}",
        {"kind": field, "uuid": str(target.uuid)},
    )
    audit.record(
        actor=actor,
        action="cases.link",
        instance=made,
        region_code=event.region_code,
        after={"event": event.pk, "kind": field, "record": str(target.uuid), "label": label},
    )
    return made, True


@transaction.atomic
def unlink(*, actor, link: EventLink) -> None:
    """取消关联: remove a link. The same people who may add it may remove it."""
    event = link.event
    target = link.target
    field = link.target_kind
    require_working_access(actor, event)
    _require_visible_record(actor, target)
    label = describe(target)
    _step(
        actor,
        event,
        "unlink",
        f"取消关联{_LABEL_OF[field]}: {label}",
        {"kind": field, "uuid": str(target.uuid)},
    )
    audit.record(
        actor=actor,
        action="cases.unlink",
        instance=link,
        region_code=event.region_code,
        before={"event": event.pk, "kind": field, "record": str(target.uuid), "label": label},
    )
    link.delete()


def events_linked_to_household(user, household: Household) -> QuerySet:
    """The events about a household, for its card: those linked to the household itself or
    to one of its members, that `user` may see. Nothing when the household is out of their
    sight."""
    if not Household.objects.visible_to(user).filter(pk=household.pk).exists():
        return Event.objects.none()
    linked = EventLink.objects.filter(Q(household=household) | Q(resident__household=household))
    return Event.objects.visible_to(user).filter(pk__in=linked.values("event_id"))
