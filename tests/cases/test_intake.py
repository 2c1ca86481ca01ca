"""Intake (上报): grid from the location, the reporting unit, deadlines from the rules, the
first timeline step, insert-once by UUID, and duplicate suggestions within 200 m."""

import uuid

import pytest
from django.core.exceptions import ValidationError

from gridgov.accounts.models import AuditEntry
from gridgov.cases import actions
from gridgov.cases.choices import Level, State
from gridgov.cases.models import Event, EventStep, Notification
from gridgov.cases.workflow import PermissionDenied
from gridgov.regions.models import Region
from gridgov.testing import personas
from gridgov.testing.cases import at, report, user

_METRES = 1 / 111_320  # degrees of latitude per metre (near enough for these tests)


@pytest.fixture
def grid_1(db):
    return Region.objects.get(code=personas.GRID_1)


def test_a_grid_worker_reports_by_location_and_the_grid_is_found(clock, grid_1):
    event, created = actions.report_event(
        actor=user("worker_a"),
        uuid=uuid.uuid4(),
        title="村道旁山体开裂",
        category="safety.geological_hazard",
        latitude=grid_1.centroid_lat,
        longitude=grid_1.centroid_lon,
        reporter_phone="13812341234",
    )
    assert created
    assert (event.grid, event.region_code) == (grid_1, personas.GRID_1)
    assert (event.state, event.level, event.holder_code) == (
        State.REPORTED,
        Level.GRID,
        personas.GRID_1,
    )
    # Reported Monday 10:00: accept by Tuesday night (yellow), Wednesday night (red).
    assert event.accept_due == at(2025, 9, 16, 23, 59, 59)
    assert event.red_due == at(2025, 9, 17, 23, 59, 59)
    assert len(event.tracking_code) == 12
    step = EventStep.objects.get(event=event)
    assert (step.action, step.to_state, step.actor) == ("report", State.REPORTED, user("worker_a"))
    entry = AuditEntry.objects.get(action="cases.report", object_id=str(event.pk))
    assert entry.region_code == personas.GRID_1
    assert entry.after["reporter_phone"] == "138****1234"


def test_a_point_outside_every_grid_is_refused_with_the_field_named(clock):
    with pytest.raises(ValidationError) as error:
        actions.report_event(
            actor=user("worker_a"),
            uuid=uuid.uuid4(),
            title="x",
            category="dispute",
            latitude=39.9,
            longitude=116.4,  # Beijing
        )
    assert "latitude" in error.value.message_dict


def test_the_reporting_unit_holds_the_event_and_verifies_it_later(clock):
    event = report("township", title="12345 热线：反映路灯不亮", category="service")
    assert (event.level, event.origin_level, event.holder_code) == (
        Level.TOWNSHIP,
        Level.TOWNSHIP,
        personas.TOWNSHIP,
    )
    # The grid's staff hear about a new event at their grid, not the one who reported it.
    grid_event = report("worker_a")
    assert not Notification.objects.filter(event=grid_event, user=user("worker_a")).exists()


def test_a_replayed_report_returns_the_first_event(clock, grid_1):
    key = uuid.uuid4()
    first, created = actions.report_event(
        actor=user("worker_a"), uuid=key, title="第一次", category="dispute", grid=grid_1
    )
    again, created_again = actions.report_event(
        actor=user("worker_a"), uuid=key, title="重试", category="dispute", grid=grid_1
    )
    assert created and not created_again
    assert again.pk == first.pk and again.title == "第一次"
    assert Event.objects.filter(uuid=key).count() == 1
    assert EventStep.objects.filter(event=first).count() == 1
    # Someone who cannot see the event learns nothing from replaying its UUID: the answer
    # is the one a new UUID gets.
    for replayed in (key, uuid.uuid4()):
        with pytest.raises(PermissionDenied):
            actions.report_event(
                actor=user("worker_b"), uuid=replayed, title="x", category="dispute", grid=grid_1
            )


def test_nobody_reports_outside_their_scope_and_leaders_do_not_report(clock, grid_1):
    for name in ("worker_b", "outsider", "leader", "handler"):
        with pytest.raises(PermissionDenied):
            actions.report_event(
                actor=user(name), uuid=uuid.uuid4(), title="x", category="dispute", grid=grid_1
            )


def test_sudden_events_need_a_grade_and_unknown_categories_are_named(clock, grid_1):
    with pytest.raises(ValidationError) as error:
        report(category="emergency.natural_disaster")
    assert "emergency_grade" in error.value.message_dict
    assert report(category="emergency.natural_disaster", emergency_grade="IV").emergency_grade
    with pytest.raises(ValidationError) as error:
        report(category="no.such")
    assert "category" in error.value.message_dict


def test_urgent_events_run_on_hours(clock):
    event = report(urgency="high", category="safety.fire")
    assert event.deadline_unit == "hours"
    assert event.accept_due == at(2025, 9, 15, 12)
    assert event.red_due == at(2025, 9, 15, 14)


@pytest.mark.parametrize(("metres", "offered"), [(150, True), (250, False)])
def test_duplicates_within_200_metres_are_offered(clock, grid_1, metres, offered):
    first = report(latitude=grid_1.centroid_lat, longitude=grid_1.centroid_lon)
    second = report(latitude=grid_1.centroid_lat + metres * _METRES, longitude=grid_1.centroid_lon)
    assert (first in actions.possible_duplicates(second, actor=user("cadre"))) is offered
    assert (second in actions.possible_duplicates(first)) is offered


def test_only_the_nearest_few_duplicates_are_offered_nearest_first(clock, grid_1):
    # A busy spot (a market, a blocked road reported by many): the person deciding sees the
    # five nearest, not a list that grows with every report.
    def at_metres(metres):
        return report(
            latitude=grid_1.centroid_lat + metres * _METRES, longitude=grid_1.centroid_lon
        )

    far_to_near = [at_metres(metres) for metres in (180, 160, 140, 120, 100, 80, 60, 40)]
    new = at_metres(0)
    assert actions.possible_duplicates(new) == far_to_near[::-1][: actions.DUPLICATE_OFFERS]


def test_duplicates_are_of_the_same_category_open_and_recent(clock, grid_1, story):
    place = {"latitude": grid_1.centroid_lat, "longitude": grid_1.centroid_lon}
    report(category="safety.fire", **place)  # another category
    old = report(**place)
    clock(at(2025, 9, 23, 10))  # eight days later
    closed = story.closed(level=Level.TOWNSHIP)
    recent = report(**place)
    new = report(**place)
    found = actions.possible_duplicates(new)
    assert found == [recent]
    assert old not in found and closed not in found
    # Nothing is offered that the person deciding cannot see.
    assert actions.possible_duplicates(new, actor=user("worker_b")) == []


def test_the_nearest_duplicates_one_may_see_are_offered_past_nearer_ones_one_may_not(clock, grid_1):
    # Six reports of grid 2's worker lie nearer, just across the grid's edge; the grid 1
    # worker still gets the one of their own grid, further off, and nothing of grid 2.
    neighbour = Region.objects.get(code=personas.GRID_2)
    spot = (grid_1.centroid_lat, grid_1.centroid_lon)

    def reported(actor, grid, metres):
        event, _created = actions.report_event(
            actor=user(actor),
            uuid=uuid.uuid4(),
            title="道路积水",
            category="dispute.neighbour",
            grid=grid,
            latitude=spot[0] + metres * _METRES,
            longitude=spot[1],
        )
        return event

    for metres in (10, 20, 30, 40, 50, 60):
        reported("worker_b", neighbour, metres)
    own = reported("worker_a", grid_1, 150)
    new = reported("worker_a", grid_1, 0)
    assert actions.possible_duplicates(new, actor=user("worker_a")) == [own]
    assert len(actions.possible_duplicates(new)) == actions.DUPLICATE_OFFERS
