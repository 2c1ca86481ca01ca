"""What a resident without an account can do (the public page, Open311): submit a request,
follow it with its tracking code, rate the answer or reopen the request.

The tracking code is the resident's only key, so everything here looks events up by it
rather than through `visible_to` (which admits nobody without a role), and shows only what
is safe for whoever holds the code: plain-words states, dates, department names and the
handling result; never staff names, other notes or the reporter's phone.

A request may carry up to three photos (JPEG, PNG, WebP), re-encoded by
`cases.attachments` (upright, no location or camera data) and checked before anything is
stored: a refused photo stores neither the request nor any file. The photos are shown back
only to whoever holds the code, and only while the event does not concern a key population.

Two limits per client address (Django's cache, so every worker shares them with Redis):
requests taken per hour (`PUBLIC_REQUESTS_PER_HOUR`) and wrong tracking codes tried per hour
(`PUBLIC_WRONG_CODES_PER_HOUR`), after which lookups stop for the hour, so codes cannot be
guessed by trying many.
"""

import re
import uuid as uuid_module
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone

from gridgov.accounts import audit
from gridgov.accounts.models import Department
from gridgov.cases import actions, attachments, workflow
from gridgov.cases.channels import key_population_events
from gridgov.cases.choices import FINAL_STATES, LEVEL_CODE_LENGTH, Source, State
from gridgov.cases.models import Attachment, Category, Event, EventStep
from gridgov.regions import geometry
from gridgov.regions.choices import GRID_PARENT_LEVELS, Level
from gridgov.regions.models import Region

WINDOW_SECONDS = 3600
TITLE_LENGTH = 30
DESCRIPTION_LENGTH = 2000
MAX_CODES_PER_LOOKUP = 20
_CODE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{12}$")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
MAX_PHOTOS = 3


class RateLimited(Exception):
    """Too many requests (or wrong tracking codes) from one address this hour (HTTP 429)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
        self.retry_after = WINDOW_SECONDS


class UnknownCode(Http404):
    """No request has this tracking code. The same answer whether the code is well formed
    or not, so a wrong code tells nothing."""

    def __init__(self):
        super().__init__("查询码不存在，请核对后再试 No request has this tracking code: check it.")


# --- Limits per client address ----------------------------------------------------------


def _key(kind: str, client_ip: str | None) -> str:
    """The counter of this hour (fixed windows on the application's clock, so a limit ends
    when the hour does, whatever cache keeps the counters)."""
    window = int(timezone.now().timestamp()) // WINDOW_SECONDS
    return f"gridgov:public:{kind}:{client_ip or 'unknown'}:{window}"


def _count(key: str, amount: int = 1) -> int:
    """Add `amount` to this window's counter (kept a little longer than the window)."""
    cache.add(key, 0, timeout=2 * WINDOW_SECONDS)
    try:
        return cache.incr(key, amount)
    except ValueError:  # expired between add and incr
        cache.set(key, amount, timeout=2 * WINDOW_SECONDS)
        return amount


def _take_request_slot(client_ip: str | None) -> None:
    key = _key("requests", client_ip)
    if _count(key) > settings.PUBLIC_REQUESTS_PER_HOUR:
        _count(key, -1)
        raise RateLimited(
            f"提交太频繁，请一小时后再试，紧急情况请拨打 110 或 12345 "
            f"Too many requests from your connection: at most "
            f"{settings.PUBLIC_REQUESTS_PER_HOUR} an hour. Try again later; for emergencies "
            f"call 110 or 12345."
        )


def _give_back_request_slot(client_ip: str | None) -> None:
    _count(_key("requests", client_ip), -1)


def _check_lookups(client_ip: str | None) -> None:
    if (cache.get(_key("wrong-codes", client_ip)) or 0) >= settings.PUBLIC_WRONG_CODES_PER_HOUR:
        raise RateLimited(
            "查询码错误次数太多，请一小时后再试 Too many wrong tracking codes from your "
            "connection: try again in an hour."
        )


def _wrong_codes(client_ip: str | None, amount: int = 1) -> None:
    if amount:
        _count(_key("wrong-codes", client_ip), amount)


def normalise_code(text: str) -> str:
    """What a resident typed, as a code: capitals, without spaces or dashes."""
    return re.sub(r"[\s\-]", "", text or "").upper()


# --- Choices for the form -----------------------------------------------------------------


def categories() -> list[Category]:
    """What a resident can ask about: active categories without active sub-categories, whose
    parent (if any) is active too. Sudden events (which need a grade) are left out: those
    are for 110 / 119 / 120, not a web form."""
    rows = list(
        Category.objects.filter(is_active=True)
        .filter(Q(parent__isnull=True) | Q(parent__is_active=True))
        .select_related("parent")
    )
    parents = {row.parent_id for row in rows if row.parent_id}
    return [
        row
        for row in rows
        if row.pk not in parents
        and not row.needs_emergency_grade
        and not (row.parent_id and row.parent.needs_emergency_grade)
    ]


def _category(code: str) -> Category:
    for category in categories():
        if category.code == code:
            return category
    raise ValidationError({"category": "请选择问题类别 Choose what the problem is about."})


def counties() -> list[Region]:
    return list(Region.objects.filter(level=Level.COUNTY).only("code", "name").order_by("code"))


def townships(county_code: str) -> list[Region]:
    if not county_code:
        return []
    return list(
        Region.objects.filter(parent__code=county_code, level=Level.TOWNSHIP)
        .only("code", "name")
        .order_by("code")
    )


def villages(township_code: str) -> list[Region]:
    if not township_code:
        return []
    return list(
        Region.objects.filter(parent__code=township_code, level__in=GRID_PARENT_LEVELS)
        .only("code", "name")
        .order_by("code")
    )


def _first_grid(village: Region) -> Region | None:
    return (
        Region.objects.filter(parent=village, level=Level.GRID)
        .defer("geometry")
        .order_by("code")
        .first()
    )


def grid_of_village(code: str) -> Region:
    """The grid a request from this village goes to: its first grid (residents do not know
    grid codes; the village's staff pass it on when it belongs to another grid)."""
    village = Region.objects.filter(code=code, level__in=GRID_PARENT_LEVELS).first()
    grid = _first_grid(village) if village is not None else None
    if grid is None:
        raise ValidationError(
            {"village": "请选择所在的村（社区）Choose your village or community."}
        )
    return grid


def grid_at(latitude: float, longitude: float) -> Region | None:
    """The grid containing the point (or the first grid of the village containing it, where
    the grids have no boundaries yet); None outside every boundary."""
    code = geometry.locate(latitude, longitude)
    region = Region.objects.filter(code=code).defer("geometry").first() if code else None
    if region is None or region.level == Level.GRID:
        return region
    return _first_grid(region) if region.level in GRID_PARENT_LEVELS else None


def grid_of_address(text: str) -> Region | None:
    """The grid for an address written out ("花垣县双龙镇十八洞村…"): the village or community
    whose name appears in it, told apart from namesakes by the township and county names.
    None when no village, or more than one, fits."""
    text = (text or "").strip()
    if not text:
        return None
    rows = Region.objects.filter(level__in=GRID_PARENT_LEVELS).values_list("code", "name")
    found = [code for code, name in rows if name and name in text]
    if len(found) > 1:
        above = dict(
            Region.objects.filter(
                code__in={code[:length] for code in found for length in (6, 9)}
            ).values_list("code", "name")
        )
        for length in (9, 6):
            narrowed = [code for code in found if above.get(code[:length], "\0") in text]
            if narrowed:
                found = narrowed
    if len(found) != 1:
        return None
    return _first_grid(Region.objects.get(code=found[0]))


# --- Submitting ------------------------------------------------------------------------------


def mobile_number(raw: str, *, field_name: str = "phone") -> str:
    """A mainland mobile number as 11 digits, or "" when none was given."""
    text = re.sub(r"[\s\-()]", "", raw or "")
    if not text:
        return ""
    error = ValidationError(
        {field_name: "请填写正确的手机号码（11 位）Enter a mainland mobile number (11 digits)."}
    )
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as parse_error:
        raise error from parse_error
    national = str(number.national_number)
    if number.country_code != 86 or not _MOBILE.match(national):
        raise error
    if not phonenumbers.is_valid_number(number):
        raise error
    return national


def title_from(description: str) -> str:
    """The first words of the description, for a request sent without a title."""
    first_line = " ".join((description or "").strip().splitlines()[:1]).strip()
    words = " ".join(first_line.split())
    return words if len(words) <= TITLE_LENGTH else words[: TITLE_LENGTH - 1] + "…"


def _location(
    village: str, latitude: float | None, longitude: float | None, address: str
) -> tuple[Region, float | None, float | None]:
    """(grid, latitude, longitude) from a map point, a chosen village, or a written address."""
    if latitude is not None and longitude is not None:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValidationError({"latitude": "位置无效 The location is not valid."})
        grid = grid_at(latitude, longitude)
        if grid is not None:
            return grid, latitude, longitude
    if village:
        return grid_of_village(village), None, None
    grid = grid_of_address(address)
    if grid is not None:
        return grid, None, None
    if latitude is not None:
        raise ValidationError(
            {
                "village": "该位置不在本地区内，请选择所在的村（社区）The location is outside "
                "our area: choose your village or community."
            }
        )
    raise ValidationError(
        {
            "village": "请选择所在的村（社区）Choose your village or community, or share your location."
        }
    )


@dataclass
class Photo:
    """A resident's photo, checked and re-encoded, not yet stored."""

    prepared: attachments.Prepared
    name: str


# What a photo's first bytes are: JPEG, PNG, WebP (RIFF….WEBP). GIFs and PDFs, which staff
# may attach, are not photos.
def _is_photo(head: bytes) -> bool:
    return (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    )


def prepare_photos(uploads) -> list[Photo]:
    """Check and re-encode a resident's photos (at most MAX_PHOTOS; JPEG, PNG or WebP; the
    attachment size limit); raises ValidationError on "photos". The same picture twice is
    kept once."""
    uploads = [upload for upload in uploads or [] if upload is not None]
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(
            {"photos": f"最多上传 {MAX_PHOTOS} 张照片 At most {MAX_PHOTOS} photos can be attached."}
        )
    # The cheap checks of every file first, so nothing is decoded for a request that a
    # wrong file refuses anyway.
    for upload in uploads:
        if hasattr(upload, "seek"):
            upload.seek(0)
        if not _is_photo(upload.read(12)):
            raise ValidationError(
                {
                    "photos": "照片只能是 JPEG、PNG 或 WebP 图片 Photos must be JPEG, PNG or "
                    "WebP pictures."
                }
            )
    photos: dict[str, Photo] = {}
    for upload in uploads:
        try:
            prepared = attachments.prepare(upload)
        except ValidationError as error:
            # The same reasons (too large, damaged …), next to the photos field.
            raise ValidationError({"photos": error.message_dict.get("file", [])}) from error
        photos.setdefault(prepared.sha256, Photo(prepared, getattr(upload, "name", "")))
    return list(photos.values())


def _keep_photos(event: Event, photos: list[Photo], written: list) -> None:
    """Store the photos with the request, inside its transaction. Each file is written
    through storage and added to `written`, so the caller can remove them all again if the
    transaction fails."""
    step = event.steps.order_by("created_at", "id").first()
    for number, photo in enumerate(photos):
        prepared = photo.prepared
        attachment = Attachment(
            # From the request's UUID: a resend can never attach the photos twice.
            uuid=uuid_module.uuid5(event.uuid, f"photo-{number}"),
            event=event,
            step=step,
            uploaded_by=None,
            original_name=attachments.clean_name(photo.name, prepared.content_type),
            content_type=prepared.content_type,
            size=len(prepared.data),
            sha256=prepared.sha256,
            width=prepared.width,
            height=prepared.height,
            created_at=event.reported_at,
        )
        attachment.file.save(attachment.uuid.hex, ContentFile(prepared.data), save=False)
        written.append(attachment.file.name)
        attachment.save()
        audit.record(
            actor=None,
            action="cases.attach",
            instance=attachment,
            region_code=event.region_code,
            after=audit.snapshot(
                attachment, ["uuid", "event", "original_name", "content_type", "size", "sha256"]
            ),
        )


def submit(
    *,
    uuid: uuid_module.UUID,
    category: str,
    description: str,
    title: str = "",
    village: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    address: str = "",
    name: str = "",
    phone: str = "",
    honeypot: str = "",
    photos: list | None = None,
    client_ip: str | None = None,
    source: str = Source.RESIDENT_WEB,
) -> tuple[Event, bool]:
    """A resident's request, taken without an account; returns (event, created).

    The request goes to the grid at the map point, or the first grid of the chosen village.
    `photos` are uploaded files (at most three pictures), stored with the request or not at
    all. A resend with the same UUID returns the first request and does not count against
    the limit; over the limit nothing is stored (RateLimited).
    """
    if honeypot:
        raise ValidationError({"website": "此项须留空 Leave this field empty."})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "请说明遇到了什么问题 Describe the problem, please."})
    if len(description) > DESCRIPTION_LENGTH:
        raise ValidationError(
            {
                "description": f"问题描述太长（最多 {DESCRIPTION_LENGTH} 字）The description is "
                f"too long (at most {DESCRIPTION_LENGTH} characters)."
            }
        )
    chosen = _category(category)
    name = " ".join((name or "").split())
    if len(name) > 60:
        raise ValidationError({"name": "姓名太长 The name is too long (at most 60 characters)."})
    phone = mobile_number(phone)
    title = " ".join((title or "").split())[:120] or title_from(description)
    existing = Event.objects.filter(uuid=uuid).first()
    if existing is not None:
        # A resend after a lost answer: the first request, without using up the limit.
        return actions.replayed(None, existing), False
    # Photos are checked (and re-encoded) before anything is stored or counted.
    prepared_photos = prepare_photos(photos)
    grid, latitude, longitude = _location(village, latitude, longitude, address)
    _take_request_slot(client_ip)
    written: list[str] = []
    try:
        with transaction.atomic():
            event, created = actions.report_event(
                actor=None,
                uuid=uuid,
                title=title,
                category=chosen,
                description=description,
                grid=grid,
                latitude=latitude,
                longitude=longitude,
                address=(address or "").strip()[:200],
                source=source,
                reporter_name=name,
                reporter_phone=phone,
            )
            if created and prepared_photos:
                _keep_photos(event, prepared_photos, written)
    except Exception:
        _give_back_request_slot(client_ip)
        for name_in_storage in written:
            Attachment.file.field.storage.delete(name_in_storage)
        raise
    if not created:
        _give_back_request_slot(client_ip)
    return event, created


# --- Following a request ---------------------------------------------------------------------

# The state of a request in plain words, for the person who sent it.
STATE_WORDS = {
    State.REPORTED: "已收到，等待受理 Received, waiting to be taken on",
    State.ACCEPTED: "已受理，正在办理 Taken on, being handled",
    State.DISPATCHED: "已交有关部门办理 Passed to the department responsible",
    State.IN_PROGRESS: "正在办理 Being handled",
    State.SUSPENDED: "暂缓办理，等待其他程序 On hold, waiting for another procedure",
    State.HANDLED: "已办理，正在核实结果 Handled, the result is being checked",
    State.VERIFIED: "结果已核实，即将办结 Result checked, about to be closed",
    State.CLOSED: "已办结 Closed",
    State.REJECTED: "不予受理 Not taken on",
    State.MERGED: "已与他人反映的同一问题合并办理 Handled together with the same problem "
    "reported by someone else",
}

# The steps a resident sees, in plain words. Other steps (requests for more time, internal
# approvals, an assisting department's part) are the staff's business and are not shown.
STEP_WORDS = {
    "submitted": "提交了反映 Request submitted",
    "accept": "受理 Taken on",
    "reject": "不予受理 Not taken on",
    "merge": "与同一问题合并办理 Merged with the same problem reported earlier",
    "resolve": "就地解决 Solved on the spot",
    "escalate": "转上级办理 Passed up to a higher office",
    "dispatch": "交有关部门办理 Passed to the department responsible",
    "department_accept": "部门开始办理 The department started work",
    "report": "办理结果 Result of handling",
    "approve_suspension": "暂缓办理 Put on hold",
    "resume": "恢复办理 Work resumed",
    "rework": "结果未通过核实，重新办理 Result not confirmed, handled again",
    "verify": "结果已核实 Result checked",
    "close": "办结 Closed",
    "rate": "评价 Rated",
    "reopen": "重新办理 Reopened",
}
RESULT_STEPS = ("report", "resolve")


@dataclass
class PublicStep:
    action: str
    words: str
    at: datetime
    unit: str = ""
    result: str = ""
    score: int | None = None


@dataclass
class PublicPhoto:
    """A photo the resident sent with the request, as their page links to it."""

    uuid: uuid_module.UUID
    width: int | None
    height: int | None


@dataclass
class PublicStatus:
    """A request as its sender may see it."""

    tracking_code: str
    title: str
    category: str
    state: str
    state_words: str
    is_open: bool
    reported_at: datetime
    accepted_at: datetime | None
    handled_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime
    satisfaction: int | None
    can_rate: bool
    can_reopen: bool
    agency: str
    result: str
    latitude: float | None
    longitude: float | None
    category_code: str = ""
    steps: list[PublicStep] = field(default_factory=list)
    photos: list[PublicPhoto] = field(default_factory=list)


def _resident_photos():
    """The photos residents sent (staff attachments, which may be documents about people,
    are never shown on the public pages)."""
    return Attachment.objects.filter(
        uploaded_by__isnull=True, content_type__startswith="image/"
    ).order_by("created_at", "id")


def _events(codes: list[str]):
    steps = EventStep.objects.select_related("department").order_by("created_at", "id")
    return (
        Event.objects.filter(tracking_code__in=codes)
        .select_related("category__parent", "lead_department")
        .prefetch_related(
            Prefetch("steps", queryset=steps),
            Prefetch("attachments", queryset=_resident_photos(), to_attr="resident_photos"),
        )
    )


def find(tracking_code: str, *, client_ip: str | None = None) -> Event:
    """The event with this tracking code (any case, spaces and dashes ignored), or
    UnknownCode; wrong codes count against the address's limit."""
    _check_lookups(client_ip)
    code = normalise_code(tracking_code)
    event = _events([code]).first() if _CODE.match(code) else None
    if event is None:
        _wrong_codes(client_ip)
        raise UnknownCode
    return event


def find_many(tracking_codes: list[str], *, client_ip: str | None = None) -> list[Event]:
    """The events of several codes (Open311); unknown ones are left out and counted."""
    _check_lookups(client_ip)
    codes = list(dict.fromkeys(normalise_code(code) for code in tracking_codes if code.strip()))
    if len(codes) > MAX_CODES_PER_LOOKUP:
        raise ValidationError(
            {
                "service_request_id": f"一次最多查询 {MAX_CODES_PER_LOOKUP} 个 At most "
                f"{MAX_CODES_PER_LOOKUP} ids at a time."
            }
        )
    found = {event.tracking_code: event for event in _events([c for c in codes if _CODE.match(c)])}
    _wrong_codes(client_ip, len(codes) - len(found))
    return [found[code] for code in codes if code in found]


@dataclass
class _Names:
    """Names of the units the events passed through, read once for a page of events."""

    regions: dict[str, str]
    departments: dict[int, str]

    @classmethod
    def of(cls, events: list[Event]) -> "_Names":
        codes = {
            event.region_code[:length] for event in events for length in LEVEL_CODE_LENGTH.values()
        }
        leads = {
            step.details.get("lead")
            for event in events
            for step in event.steps.all()
            if step.action == "dispatch"
        }
        leads = [value for value in leads if isinstance(value, int)]
        return cls(
            regions=dict(Region.objects.filter(code__in=codes).values_list("code", "name")),
            departments=dict(Department.objects.filter(pk__in=leads).values_list("pk", "name"))
            if leads
            else {},
        )


def agency(event: Event, names: _Names) -> str:
    """Who answers for the request now: the lead department, else the holding unit."""
    if event.lead_department_id:
        return event.lead_department.name
    return names.regions.get(event.holder_code, "")


def _step_unit(step: EventStep, event: Event, names: _Names) -> str:
    """The department or unit that took the step (never the person)."""
    if step.action == "dispatch":
        return names.departments.get(step.details.get("lead"), "")
    if step.department_id:
        return step.department.name
    level = step.from_level or step.to_level
    if not level or step.actor_id is None:
        return ""
    return names.regions.get(event.region_code[: LEVEL_CODE_LENGTH[level]], "")


def public_steps(event: Event, names: _Names) -> list[PublicStep]:
    """The timeline in plain words: what happened, when, and which unit; the result text of
    handling steps, and nothing of other notes."""
    steps = []
    for step in event.steps.all():
        action = step.action
        if action == "report" and not step.from_state:
            action = "submitted"  # intake writes a "report" step with no state before it
        if action not in STEP_WORDS:
            continue
        steps.append(
            PublicStep(
                action=action,
                words=STEP_WORDS[action],
                at=step.created_at,
                unit=_step_unit(step, event, names) if action != "submitted" else "",
                result=step.note if action in RESULT_STEPS else "",
                score=step.details.get("score") if action == "rate" else None,
            )
        )
    return steps


def latest_result(steps: list[PublicStep]) -> str:
    results = [step.result for step in steps if step.action in RESULT_STEPS and step.result]
    return results[-1] if results else ""


def rounded(value: float | None) -> float | None:
    """A coordinate to three decimals (about 100 m): where, not whose door."""
    return round(value, 3) if value is not None else None


def _photos_of(event: Event, sensitive: set[int] | None) -> list[PublicPhoto]:
    found = getattr(event, "resident_photos", None)
    if found is None:
        found = list(_resident_photos().filter(event=event))
    if not found or event.source not in actions.RESIDENT_SOURCES:
        return []
    if sensitive is None:
        sensitive = key_population_events({event.pk})
    # A key-population matter shows nothing of its photos outside (docs/users/residents.md).
    if event.pk in sensitive:
        return []
    return [PublicPhoto(photo.uuid, photo.width, photo.height) for photo in found]


def view_of(
    event: Event, *, names: _Names | None = None, sensitive: set[int] | None = None
) -> PublicStatus:
    """The resident-safe view of one event (its steps prefetched, see `_events`).
    `sensitive`: the ids among the events shown that concern a key population."""
    names = names if names is not None else _Names.of([event])
    steps = public_steps(event, names)
    allowed = []
    if event.state == State.CLOSED:
        allowed = workflow.allowed_actions(event, workflow.ResidentReporter(event.tracking_code))
    return PublicStatus(
        tracking_code=event.tracking_code,
        # Staff write titles for staff; a resident reads back only a title a resident wrote.
        title=event.title
        if event.source in actions.RESIDENT_SOURCES
        else str(event.category.name_zh),
        category=str(event.category.name_zh),
        category_code=event.category.code,
        state=event.state,
        state_words=STATE_WORDS[event.state],
        is_open=event.state not in FINAL_STATES,
        reported_at=event.reported_at,
        accepted_at=event.accepted_at,
        handled_at=event.handled_at,
        closed_at=event.closed_at,
        updated_at=event.updated_at,
        satisfaction=event.satisfaction,
        can_rate="rate" in allowed,
        can_reopen="reopen" in allowed,
        agency=agency(event, names),
        result=latest_result(steps),
        latitude=rounded(event.latitude),
        longitude=rounded(event.longitude),
        steps=steps,
        photos=_photos_of(event, sensitive),
    )


def status(tracking_code: str, *, client_ip: str | None = None) -> PublicStatus:
    """Where the request with this code stands, as its sender may see it."""
    return view_of(find(tracking_code, client_ip=client_ip))


def statuses(tracking_codes: list[str], *, client_ip: str | None = None) -> list[PublicStatus]:
    """Several requests at once (Open311); unknown codes are left out."""
    events = find_many(tracking_codes, client_ip=client_ip)
    names = _Names.of(events)
    # Asked only about requests with photos: the answer matters for nothing else.
    sensitive = key_population_events({event.pk for event in events if event.resident_photos})
    return [view_of(event, names=names, sensitive=sensitive) for event in events]


def photo(tracking_code: str, photo_uuid, *, client_ip: str | None = None) -> Attachment:
    """A photo the resident sent with the request of this code, for whoever holds the code;
    Http404 for any other attachment, and for every photo of a key-population matter."""
    event = find(tracking_code, client_ip=client_ip)
    if event.source not in actions.RESIDENT_SOURCES or key_population_events({event.pk}):
        raise Http404
    found = _resident_photos().filter(event=event, uuid=photo_uuid).first()
    if found is None:
        raise Http404
    return found


# --- Rating and reopening --------------------------------------------------------------------


def _as_resident(tracking_code: str, action: str, client_ip: str | None, **details) -> Event:
    event = find(tracking_code, client_ip=client_ip)
    resident = workflow.ResidentReporter(event.tracking_code)
    try:
        workflow.transition(event, action, actor=resident, **details)
    except workflow.IllegalTransition as error:
        raise ValidationError({"__all__": _REFUSED[action](event)}) from error
    return event


def _rate_refused(event: Event) -> str:
    if event.satisfaction is not None:
        return "您已评价过，谢谢 You have already rated this request, thank you."
    return "办结后才能评价 You can rate the request once it is closed."


def _reopen_refused(event: Event) -> str:
    if event.state == State.CLOSED:
        return (
            "办结已超过 30 天，不能重新办理，请重新反映 The request was closed more than 30 "
            "days ago: submit a new one."
        )
    return "只有已办结的反映才能重新办理 Only a closed request can be reopened."


_REFUSED = {"rate": _rate_refused, "reopen": _reopen_refused}


def rate(
    tracking_code: str, *, score: int, comment: str = "", client_ip: str | None = None
) -> Event:
    """The resident rates the answer to their closed request, once (1 to 5)."""
    return _as_resident(tracking_code, "rate", client_ip, score=score, comment=comment or "")


def reopen(tracking_code: str, *, reason: str, client_ip: str | None = None) -> Event:
    """The matter is not solved after all: within 30 days of closing, the request starts
    again at the unit that held it."""
    if not (reason or "").strip():
        raise ValidationError(
            {"reason": "请说明为什么问题没有解决 Say why the problem is not solved."}
        )
    return _as_resident(tracking_code, "reopen", client_ip, reason=reason.strip())
