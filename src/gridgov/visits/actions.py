"""Every change of the visits app: recording visits (with their photos) and work-log entries.

Each action is atomic, takes a keyword-only `actor`, checks the permission over the region
(`visits.record`), re-checks scope after the write and writes its audit entry. Creates take
a client UUID: a replay returns the first record.
"""

import math
import uuid as uuid_module
from datetime import date, datetime

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from gridgov.accounts import audit
from gridgov.accounts.scope import has_permission, require_within_scope
from gridgov.cases import actions as case_actions
from gridgov.cases import attachments, workflow
from gridgov.cases.choices import Source, Urgency
from gridgov.regions.models import Region
from gridgov.registry import actions as registry_actions
from gridgov.registry.models import Household, Organisation, Place
from gridgov.visits.choices import VisitKind, WorkLogKind
from gridgov.visits.models import PHOTO_EXTENSIONS, Visit, VisitPhoto, WorkLogEntry
from gridgov.visits.plans import refresh_plans

EARTH_RADIUS_METRES = 6_371_000
# The event opened from a visit gets a UUID derived from the visit's, so that a replayed
# visit can never open a second event.
EVENT_NAMESPACE = uuid_module.UUID("6f1d8f6e-3c1a-4d5e-9b7a-2f0c5a9e4b11")
# Photos sent with the visit form get UUIDs derived from the visit's, so a resent form adds
# no second copy.
PHOTO_NAMESPACE = uuid_module.UUID("0b8e2f4a-6d1c-4f7e-a5b3-9c2d8e1f7a64")
# How many photos the record-visit form takes at once (more can be added through the API).
FORM_PHOTOS = 3


class PermissionDenied(registry_actions.PermissionDenied, DjangoPermissionDenied):
    """The actor can see the target but may not record visits there: 403 in the API (as a
    registry refusal) and on the web pages (as Django's)."""


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), good to a metre or so at village scale."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(math.sqrt(a))


def _distance(target, latitude: float | None, longitude: float | None) -> int | None:
    if None in (latitude, longitude, target.latitude, target.longitude):
        return None
    return round(metres_between(latitude, longitude, target.latitude, target.longitude))


def _require(actor, region_code: str) -> None:
    if not has_permission(actor, "visits.record", region_code):
        raise PermissionDenied("visits.record")


def _target_of(household, place, organisation):
    given = [t for t in (household, place, organisation) if t is not None]
    if len(given) != 1:
        raise ValidationError(
            {
                "household": "请选择一个走访对象：户、场所或组织 Choose exactly one target: a "
                "household, a place or an organisation."
            }
        )
    target = given[0]
    if not isinstance(target, Household | Place | Organisation):
        raise TypeError(target)
    return target


def _replayed(actor, visit_uuid) -> Visit | None:
    existing = Visit.objects.filter(uuid=visit_uuid).first()
    if existing is None:
        return None
    if not Visit.objects.visible_to(actor).filter(pk=existing.pk).exists():
        raise Http404  # someone else's UUID: say nothing about it
    return existing


def _open_event(actor, visit: Visit, target, open_event: dict):
    """Report the finding as an event (source: visit) in the visit's transaction."""
    title = (open_event.get("title") or "").strip()
    if not title:
        raise ValidationError({"open_event.title": "事件标题必填 The event needs a title."})
    try:
        event, _created = case_actions.report_event(
            actor=actor,
            uuid=uuid_module.uuid5(EVENT_NAMESPACE, str(visit.uuid)),
            title=title,
            category=open_event.get("category") or "",
            description=open_event.get("description") or visit.findings,
            urgency=open_event.get("urgency") or Urgency.MEDIUM,
            grid=target.grid,
            latitude=target.latitude,
            longitude=target.longitude,
            address=(getattr(target, "address", "") or "")[:200],
            source=Source.VISIT,
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {f"open_event.{field}": messages for field, messages in error.error_dict.items()}
        ) from error
    except workflow.PermissionDenied as denied:
        raise PermissionDenied("cases.report") from denied
    return event


@transaction.atomic
def record_visit(
    *,
    actor,
    uuid: uuid_module.UUID | None = None,
    household: Household | None = None,
    place: Place | None = None,
    organisation: Organisation | None = None,
    visited_at: datetime | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    kind: str = VisitKind.ROUTINE,
    findings: str = "",
    needs_found: str = "",
    services_delivered: str = "",
    open_event: dict | None = None,
) -> tuple[Visit, bool]:
    """Record a visit to one household, place or organisation; returns (visit, created).

    The worker's position is kept with its distance from the target (not enforced). With
    `open_event` ({"title", "category", "urgency", "description"}) the finding is reported
    as an event in the same transaction and linked to the visit. A household's visit plan
    moves on to the next due date.
    """
    target = _target_of(household, place, organisation)
    _require(actor, target.region_code)
    visit_uuid = uuid or uuid_module.uuid4()
    existing = _replayed(actor, visit_uuid)
    if existing is not None:
        return existing, False
    now = timezone.now()
    visited_at = visited_at or now
    if visited_at > now:
        raise ValidationError(
            {"visited_at": "走访时间不能晚于现在 The visit cannot be in the future."}
        )
    if (latitude is None) != (longitude is None):
        raise ValidationError(
            {"latitude": "纬度和经度要一起填写 Give both latitude and longitude, or neither."}
        )
    visit = Visit(
        uuid=visit_uuid,
        visitor=actor,
        household=household,
        place=place,
        organisation=organisation,
        region_code=target.region_code,
        visited_at=visited_at,
        latitude=latitude,
        longitude=longitude,
        distance_metres=_distance(target, latitude, longitude),
        kind=kind,
        findings=findings.strip(),
        needs_found=needs_found.strip(),
        services_delivered=services_delivered.strip(),
    )
    visit.full_clean(
        exclude=["visitor", "household", "place", "organisation", "event"],
        validate_unique=False,
        validate_constraints=False,
    )
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        existing = _replayed(actor, visit_uuid)  # the same UUID won a race
        if existing is None:
            raise
        return existing, False
    if open_event:
        visit.event = _open_event(actor, visit, target, open_event)
        visit.save(update_fields=["event"])
    require_within_scope(actor, "visits.record", [visit.region_code])
    audit.record(
        actor=actor,
        action="visits.record_visit",
        instance=visit,
        region_code=visit.region_code,
        after=audit.snapshot(
            visit,
            [
                "uuid",
                "household",
                "place",
                "organisation",
                "region_code",
                "visited_at",
                "distance_metres",
                "kind",
                "event",
            ],
        ),
    )
    if household is not None:
        refresh_plans([household])
    return visit, True


@transaction.atomic
def record_worklog_entry(
    *,
    actor,
    region: Region,
    title: str,
    kind: str,
    date: date | None = None,
    text: str = "",
    people_reached: int = 0,
    uuid: uuid_module.UUID | None = None,
) -> tuple[WorkLogEntry, bool]:
    """Write an entry of the work log (民情日志) for a meeting, an inspection, a publicity
    session …, in a region where the actor records visits; returns (entry, created)."""
    _require(actor, region.code)
    entry_uuid = uuid or uuid_module.uuid4()
    existing = WorkLogEntry.objects.filter(uuid=entry_uuid).first()
    if existing is not None:
        if not WorkLogEntry.objects.visible_to(actor).filter(pk=existing.pk).exists():
            raise Http404
        return existing, False
    today = timezone.localdate()
    entry = WorkLogEntry(
        uuid=entry_uuid,
        author=actor,
        region_code=region.code,
        date=date or today,
        kind=kind,
        title=(title or "").strip(),
        text=(text or "").strip(),
        people_reached=people_reached or 0,
    )
    if entry.date > today:
        raise ValidationError({"date": "日期不能晚于今天 The date cannot be in the future."})
    if kind not in WorkLogKind.values:
        raise ValidationError({"kind": "未知的类别 Unknown kind of work."})
    if not entry.title:
        raise ValidationError({"title": "标题必填 The title is required."})
    entry.full_clean(exclude=["author"], validate_unique=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        existing = WorkLogEntry.objects.visible_to(actor).filter(uuid=entry_uuid).first()
        if existing is None:
            raise
        return existing, False
    require_within_scope(actor, "visits.record", [entry.region_code])
    audit.record(
        actor=actor,
        action="visits.record_worklog_entry",
        instance=entry,
        region_code=entry.region_code,
        after=audit.snapshot(entry, ["uuid", "region_code", "date", "kind", "title"]),
    )
    return entry, True


# --- Photos -----------------------------------------------------------------------------------


def _prepare_photo(upload) -> attachments.Prepared:
    """Check and re-encode an uploaded photo with the event attachments' rules (judged by
    content, re-encoded without location or camera data, size and pixel limits); of those
    files only pictures are photos."""
    prepared = attachments.prepare(upload)
    if prepared.content_type not in PHOTO_EXTENSIONS:
        raise ValidationError(
            {
                "file": "只能上传 JPEG、PNG、WebP 或 GIF 照片 Only JPEG, PNG, WebP or GIF "
                "pictures can be added as photos."
            }
        )
    return prepared


def _photo_replayed(actor, existing: VisitPhoto, visit: Visit) -> VisitPhoto:
    if not VisitPhoto.objects.visible_to(actor).filter(pk=existing.pk).exists():
        raise Http404  # someone else's UUID: say nothing about it
    if existing.visit_id != visit.pk:
        raise ValidationError(
            {"uuid": "该标识已用于另一次走访的照片 This UUID belongs to a photo of another visit."}
        )
    return existing


def _save_photo(actor, photo: VisitPhoto) -> VisitPhoto:
    """Insert the row (or find the twin a concurrent request inserted) and audit it."""
    twin = attachments.saved_or_twin(photo, visit=photo.visit)
    if twin is not None:
        return _photo_replayed(actor, twin, photo.visit)
    audit.record(
        actor=actor,
        action="visits.attach_photo",
        instance=photo,
        region_code=photo.visit.region_code,
        after=audit.snapshot(
            photo, ["uuid", "visit", "content_type", "size", "sha256", "width", "height"]
        ),
    )
    return photo


def _attach(
    actor, visit: Visit, upload, photo_uuid, prepared=None, written: list | None = None
) -> tuple[VisitPhoto, bool]:
    if not Visit.objects.visible_to(actor).filter(pk=visit.pk).exists():
        raise Http404
    _require(actor, visit.region_code)
    photo_uuid = photo_uuid or uuid_module.uuid4()
    existing = VisitPhoto.objects.filter(uuid=photo_uuid).first()
    if existing is not None:
        return _photo_replayed(actor, existing, visit), False
    prepared = prepared or _prepare_photo(upload)
    duplicate = VisitPhoto.objects.filter(visit=visit, sha256=prepared.sha256).first()
    if duplicate is not None:
        return duplicate, False
    photo = VisitPhoto(
        uuid=photo_uuid,
        visit=visit,
        uploaded_by=actor,
        original_name=attachments.clean_name(getattr(upload, "name", ""), prepared.content_type),
        content_type=prepared.content_type,
        size=len(prepared.data),
        sha256=prepared.sha256,
        width=prepared.width,
        height=prepared.height,
        created_at=timezone.now(),
    )
    result = attachments.store_then_save(photo, prepared.data, lambda: _save_photo(actor, photo))
    if result is photo and written is not None:
        written.append(photo.file.name)
    return result, result is photo


def attach_photo(
    *, actor, visit: Visit, upload, uuid: uuid_module.UUID | None = None
) -> tuple[VisitPhoto, bool]:
    """走访照片: add an uploaded photo to `visit`; returns (photo, created).

    The actor must see the visit (404) and record visits in its region (403). A retried
    upload (same UUID) returns the first photo, and the same picture twice on a visit is
    one photo. When anything fails no file is left in storage and no row in the database.
    """
    return _attach(actor, visit, upload, uuid)


def record_visit_with_photos(*, actor, photos=(), **arguments) -> tuple[Visit, bool]:
    """Record a visit (as `record_visit`, with the same arguments) and keep up to
    FORM_PHOTOS photos with it, all or nothing: a refused photo is named on "photos" and
    then neither the visit nor any photo is kept."""
    photos = list(photos)
    if len(photos) > FORM_PHOTOS:
        raise ValidationError(
            {
                "photos": f"一次最多上传 {FORM_PHOTOS} 张照片 At most {FORM_PHOTOS} photos "
                "can be sent with a visit."
            }
        )
    prepared, refusals = [], []
    for number, upload in enumerate(photos, start=1):
        try:
            prepared.append(_prepare_photo(upload))
        except ValidationError as error:
            refusals += [
                f"第 {number} 张照片 Photo {number}: {message}"
                for message in error.message_dict.get("file", error.messages)
            ]
    if refusals:
        raise ValidationError({"photos": refusals})
    written: list[str] = []
    try:
        with transaction.atomic():
            visit, created = record_visit(actor=actor, **arguments)
            for index, (upload, ready) in enumerate(zip(photos, prepared, strict=True)):
                photo_uuid = uuid_module.uuid5(PHOTO_NAMESPACE, f"{visit.uuid}:{index}")
                _attach(actor, visit, upload, photo_uuid, ready, written)
    except BaseException:
        for name in written:  # the rows went with the transaction; the files go here
            default_storage.delete(name)
        raise
    return visit, created
