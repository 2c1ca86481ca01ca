"""Changes to events outside the workflow table: intake, and the calendar's configuration.
Every state change after intake goes through `cases.workflow.transition()`.

Each action is atomic, takes a keyword-only `actor`, and writes its audit entry.
"""

import math
import uuid as uuid_module
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from gridgov.accounts import audit
from gridgov.accounts.actions import home_region
from gridgov.accounts.scope import assignments_with, has_permission
from gridgov.cases import calendar, configuration, deadlines, holidays, notifications
from gridgov.cases.choices import (
    LEVEL_FOR_CODE_LENGTH,
    OPEN_STATES,
    Level,
    NotificationKind,
    Source,
    State,
    Urgency,
)
from gridgov.cases.models import CalendarDay, Category, Event, EventQuerySet, EventStep
from gridgov.cases.workflow import PermissionDenied
from gridgov.regions import geometry
from gridgov.regions.models import Region
from gridgov.statements import Columns, fetch

DUPLICATE_RADIUS_METRES = 200
RESIDENT_SOURCES = (Source.RESIDENT_WEB, Source.RESIDENT_OPEN311)
DUPLICATE_DAYS = 7
DUPLICATE_OFFERS = 5  # nearest candidates offered for merging
_METRES_PER_DEGREE = 111_320  # of latitude; of longitude, times cos(latitude)
_EARTH_RADIUS_METRES = 6_371_000


def _grid_for(grid: Region | None, latitude: float | None, longitude: float | None) -> tuple:
    """(id, code) of the grid the worker chose, or of the one containing the point (from
    the locator's memory: no query)."""
    if grid is not None:
        if grid.level != "grid":
            raise ValidationError({"grid": "必须选择一个网格 Choose a grid."})
        return grid.pk, grid.code
    if latitude is None or longitude is None:
        raise ValidationError({"grid": "请选择网格或给出位置 Choose a grid or give the location."})
    found = geometry.locate_region(latitude, longitude)
    if found is None or found.level != "grid":
        raise ValidationError(
            {
                "latitude": "该位置不在任何网格内，请选择网格 The location is not inside any "
                "grid: choose the grid."
            }
        )
    return found.pk, found.code


def _reporting_level(actor, grid_code: str) -> str:
    """The level of the unit through which the actor reports here: the grid for a grid
    worker, the township for a township centre's hotline operator (a prefecture-wide role
    reports as the county). People without a role report as residents, to the grid."""
    codes = [
        a.region_code
        for a in assignments_with(actor, "cases.report")
        if a.region_code and grid_code.startswith(a.region_code)
    ]
    if not codes:
        return Level.GRID
    length = max(len(code) for code in codes)
    return LEVEL_FOR_CODE_LENGTH.get(length, Level.COUNTY)


def _category(value) -> Category:
    category = value if isinstance(value, Category) else configuration.category(value)
    if category is None or not category.is_active:
        raise ValidationError({"category": "未知或停用的类别 Unknown or retired category."})
    return category


def report_event(*, actor, uuid: uuid_module.UUID, **details) -> tuple[Event, bool]:
    """上报: take in a new event; returns (event, created). `actor` is None for a resident
    without an account (source resident_web or resident_open311).

    The grid comes from the location when none is chosen. The event starts at the
    reporting unit (a grid worker's grid, a township centre's hotline desk), with its
    acceptance deadline from the rules. The client's UUID is unique in the database, so a
    retry after a lost response returns the first event instead of a twin. `details` are
    the event's fields, as `_take_in` names them.
    """
    try:
        # No lookup first: a replay is rare, and its INSERT fails on the unique UUID. Outside
        # a caller's transaction this is BEGIN … COMMIT with no savepoint; the transaction
        # rolls back and the first event answers.
        with transaction.atomic():
            return _take_in(actor=actor, uuid=uuid, **details), True
    except IntegrityError:
        # A retry, or another request with the same UUID that won the race: answer with
        # the first event.
        existing = Event.objects.filter(uuid=uuid).first()
        if existing is None:
            raise
        return replayed(actor, existing), False


def _take_in(
    *,
    actor,
    uuid: uuid_module.UUID,
    title: str,
    category: Category | str,
    description: str = "",
    urgency: str = Urgency.MEDIUM,
    emergency_grade: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    grid: Region | None = None,
    address: str = "",
    source: str = Source.GRID_WORKER,
    reporter_name: str = "",
    reporter_phone: str = "",
    is_urgent: bool = False,
    is_long_standing: bool = False,
) -> Event:
    """Check, place, time and write a new event with its first step, audit entry and
    notifications (inside report_event's transaction)."""
    grid_id, grid_code = _grid_for(grid, latitude, longitude)
    if actor is None:
        # A resident without an account (the public page, Open311): their request goes to
        # the grid it is in, like any other report.
        if source not in RESIDENT_SOURCES:
            raise PermissionDenied("report")
    elif not has_permission(actor, "cases.report", grid_code):
        raise PermissionDenied("report")
    now = timezone.now()
    event = Event(
        uuid=uuid,
        title=(title or "").strip(),
        description=description,
        category=_category(category),
        urgency=urgency,
        emergency_grade=emergency_grade,
        # Without a point the grid was chosen: its centre stands for the place.
        latitude=latitude if latitude is not None else grid.centroid_lat,
        longitude=longitude if longitude is not None else grid.centroid_lon,
        address=address,
        grid_id=grid_id,
        region_code=grid_code,
        source=source,
        reporter=actor,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        is_urgent=is_urgent,
        is_long_standing=is_long_standing,
        reported_at=now,
    )
    event.origin_level = _reporting_level(actor, grid_code)
    event.place_at(event.origin_level)
    # The grid, category and reporter were looked up above; the database checks the rest.
    event.full_clean(
        exclude=["grid", "tracking_code", "category", "reporter"],
        validate_unique=False,
        validate_constraints=False,
    )
    deadlines.start(event, deadlines.ACCEPT, now)
    event.save()
    step = EventStep.objects.create(
        event=event,
        action="report",
        actor=actor,
        actor_label=str(actor) if actor is not None else "群众 resident",
        to_state=State.REPORTED,
        to_level=event.level,
        note=description[:500],
        details={"source": source},
        created_at=now,
    )
    event.first_step = step  # the whole timeline so far: whoever shows it need not ask
    audit.record(
        actor=actor,
        action="cases.report",
        instance=event,
        region_code=event.region_code,
        after=audit.snapshot(
            event,
            [
                "title",
                "category",
                "urgency",
                "region_code",
                "level",
                "source",
                "accept_due",
                "reporter_phone",
            ],
        ),
    )
    staff = [
        user_id
        for user_id in notifications.unit_user_ids(event.holder_code, "cases.accept")
        if actor is None or user_id != actor.pk
    ]
    notifications.notify(
        staff, event, NotificationKind.ASSIGNMENT, f"新事件待受理 New event: {event.title}"
    )
    return event


def replayed(actor, event: Event) -> Event:
    """The answer to a report whose UUID is already taken: the first event, for whoever may
    see it (404 for anyone else)."""
    if actor is None and event.reporter_id is None and event.source in RESIDENT_SOURCES:
        return event  # the resident's own retry: the UUID came from their page
    # Someone else's UUID: say nothing about a record the actor may not see.
    if not Event.objects.visible_to(actor).filter(pk=event.pk).exists():
        raise Http404
    return event


# --- Duplicates ------------------------------------------------------------------------------


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); plenty for 200 m."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * _EARTH_RADIUS_METRES * math.asin(math.sqrt(a))


# Locating the events offered for merging needs their position besides the summary.
_OFFERED_FIELDS = (*Event.SUMMARY_FIELDS, "latitude", "longitude")
_SEARCHED_STATES = tuple(state for state in OPEN_STATES if state != State.MERGED)
_OFFERED = Columns(Event, "candidate", _OFFERED_FIELDS)
# Every report runs this search, so it is written out once (gridgov.statements): a bounding
# box on the partial index of open events by category and latitude, nearest first by flat
# distance (the same order as the true one at this scale).
_NEARBY_SQL = (
    f'SELECT {_OFFERED.sql} FROM "{_OFFERED.table}" candidate '
    'WHERE candidate."category_id" = %s '
    f'AND candidate."state" IN ({", ".join(["%s"] * len(_SEARCHED_STATES))}) '
    'AND candidate."reported_at" >= %s AND candidate."reported_at" <= %s '
    'AND candidate."latitude" >= %s AND candidate."latitude" <= %s '
    'AND candidate."longitude" >= %s AND candidate."longitude" <= %s '
    'ORDER BY (candidate."latitude" - %s) * (candidate."latitude" - %s) '
    '+ (candidate."longitude" - %s) * (candidate."longitude" - %s) * %s, candidate."id" '
    "LIMIT %s"
)


def _flat_distance(latitude: float, longitude: float) -> RawSQL:
    """Squared flat distance from a point, for ordering (one SQL expression: the ORM's
    arithmetic costs more to build than the query costs to run)."""
    east = max(math.cos(math.radians(latitude)), 0.01)
    return RawSQL(
        "(latitude - %s) * (latitude - %s) + (longitude - %s) * (longitude - %s) * %s",
        (latitude, latitude, longitude, longitude, east * east),
    ).asc()


def _in_box(
    *, category: Category, latitude: float, longitude: float, box, period, limit: int
) -> list[Event]:
    """The `limit` open events of the category in the box and period nearest to the point,
    whoever may see them (`box`: (south, north), (west, east); `period`: first and last
    moment)."""
    (south, north), (west, east) = box
    stretch = max(math.cos(math.radians(latitude)), 0.01)  # a degree east is shorter
    adapt = connection.ops.adapt_datetimefield_value  # what the ORM would send
    rows = fetch(
        _NEARBY_SQL,
        [
            category.pk,
            *_SEARCHED_STATES,
            adapt(period[0]),
            adapt(period[1]),
            south,
            north,
            west,
            east,
            latitude,
            latitude,
            longitude,
            longitude,
            stretch * stretch,
            limit,
        ],
    )
    return [_OFFERED.instance(row) for row in rows]


def nearby_open_events(
    *,
    category: Category,
    latitude: float,
    longitude: float,
    around: datetime,
    actor=None,
    radius: float = DUPLICATE_RADIUS_METRES,
    days: int = DUPLICATE_DAYS,
    limit: int = 1000,
) -> list[Event]:
    """Open events of the category within `radius` metres and `days` days of a moment,
    nearest first, at most `limit` of them, among those `actor` may see (everyone's without
    an actor). A bounding box on the indexed columns narrows the rows, the database orders
    them by flat distance and the exact distance is computed here."""
    dlat = radius / _METRES_PER_DEGREE
    dlon = radius / (_METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    box = ((latitude - dlat, latitude + dlat), (longitude - dlon, longitude + dlon))
    period = (around - timedelta(days=days), around + timedelta(days=days))
    candidates = _in_box(
        category=category,
        latitude=latitude,
        longitude=longitude,
        box=box,
        period=period,
        limit=limit,
    )
    if actor is not None and not all(
        has_permission(actor, EventQuerySet.view_permission, event.region_code)
        for event in candidates
    ):
        # Some lie outside the actor's regions (across the grid's edge, say): the database
        # applies the whole of their scope instead, departments' cases included.
        candidates = (
            Event.objects.visible_to(actor)
            .filter(
                category=category,
                state__in=_SEARCHED_STATES,
                reported_at__range=period,
                latitude__range=box[0],
                longitude__range=box[1],
            )
            .order_by(_flat_distance(latitude, longitude), "id")
            .only(*_OFFERED_FIELDS)[:limit]
        )
    measured = []
    for event in candidates:
        event.category = category  # the one asked about: no join needed
        metres = distance_metres(latitude, longitude, event.latitude, event.longitude)
        if metres <= radius:
            measured.append((metres, event.pk, event))
    return [event for _metres, _pk, event in sorted(measured)]


def possible_duplicates(event: Event, *, actor=None) -> list[Event]:
    """The nearest open events that may be the same matter as `event`, to offer for
    merging (a handful: the one it is will be among the nearest)."""
    if event.latitude is None or event.longitude is None:
        return []
    return [
        other
        for other in nearby_open_events(
            category=event.category,
            latitude=event.latitude,
            longitude=event.longitude,
            around=event.reported_at,
            actor=actor,
            limit=DUPLICATE_OFFERS + 1,  # the event itself may be among them
        )
        if other.pk != event.pk
    ][:DUPLICATE_OFFERS]


# --- The calendar ----------------------------------------------------------------------------


@transaction.atomic
def set_calendar_day(*, actor, day: date, is_working_day: bool, note: str = "") -> CalendarDay:
    """Mark a day as a holiday or a working day (a local holiday, next year's arrangement).
    Deadlines already stored keep their values; new ones follow the edited calendar."""
    if not has_permission(actor, "cases.configure"):
        raise PermissionDenied("configure")
    row = CalendarDay.objects.filter(date=day).first()
    before = audit.snapshot(row, ["is_working_day", "note"]) if row else None
    row, _created = CalendarDay.objects.update_or_create(
        date=day, defaults={"is_working_day": is_working_day, "note": note}
    )
    audit.record(
        actor=actor,
        action="cases.set_calendar_day",
        instance=row,
        region_code=home_region(actor),
        before=before,
        after=audit.snapshot(row, ["date", "is_working_day", "note"]),
    )
    calendar.calendar_changed()
    transaction.on_commit(calendar.calendar_changed)  # again, for readers during the write
    return row


@transaction.atomic
def import_official_calendar(*, actor, years: list[int] | None = None) -> int:
    """Add the official holidays and make-up days of `years` (default: every year the
    chinese-calendar package knows) that the calendar does not have yet; rows already there,
    perhaps edited by hand, are kept. Returns how many days were added."""
    if actor is not None and not has_permission(actor, "cases.configure"):
        raise PermissionDenied("configure")
    wanted = [
        CalendarDay(date=day, is_working_day=working, note=note)
        for year in (years or holidays.known_years())
        for day, working, note in holidays.official_days(year)
    ]
    present = set(
        CalendarDay.objects.filter(date__in=[row.date for row in wanted]).values_list(
            "date", flat=True
        )
    )
    new = [row for row in wanted if row.date not in present]
    CalendarDay.objects.bulk_create(new)
    if new:
        audit.record(
            actor=actor,
            action="cases.import_official_calendar",
            region_code=home_region(actor) if actor is not None else "",
            after={"days": len(new), "from": str(new[0].date), "to": str(new[-1].date)},
        )
        calendar.calendar_changed()
        transaction.on_commit(calendar.calendar_changed)
    return len(new)
