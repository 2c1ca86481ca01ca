"""The demo's events and visits: the demo logins find work waiting for them.

The demo is run once, within 双龙镇 and at a small scale to keep it quick (events are then
all in the township: the shares of other townships and counties fall back into it), and
run again to check it adds nothing.
"""

from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from gridgov.accounts.models import AuditEntry, User
from gridgov.cases import worklist
from gridgov.cases.calendar import SHANGHAI
from gridgov.cases.choices import Card, RequestKind, RequestState, State
from gridgov.cases.models import ApprovalRequest, Event, EventLink, EventStep
from gridgov.demo import events
from gridgov.visits import queries
from gridgov.visits.models import Visit, VisitPlan, WorkLogEntry

TOWNSHIP = "433124110"  # 双龙镇
GRID = "433124110226001"  # the grid_worker's grid in 十八洞村


def run_demo(*arguments) -> str:
    output = StringIO()
    call_command("demo", *arguments, stdout=output)
    return output.getvalue()


@pytest.mark.django_db
def test_the_demo_leaves_work_for_its_logins_and_a_second_run_adds_nothing():
    first = run_demo("--scale", "0.002", "--within", TOWNSHIP)

    assert "events: created 60 (" in first
    assert Event.objects.count() == 60
    assert not Event.objects.exclude(region_code__startswith=TOWNSHIP).exists()
    assert Event.objects.filter(region_code=GRID).count() >= 15
    # Every state of the mix, each reached through the workflow (its timeline says so).
    assert set(events.STATES_OF_THE_MIX) <= set(Event.objects.values_list("state", flat=True))
    assert Event.objects.filter(state=State.SUSPENDED).count() == 2
    for event in Event.objects.all():
        assert event.steps.filter(action="report", from_state="").count() == 1
        assert event.reported_at <= timezone.now()
    pending = ApprovalRequest.objects.filter(state=RequestState.PENDING)
    assert pending.filter(kind=RequestKind.EXTENSION).count() == 1
    assert pending.filter(kind=RequestKind.RETURN).count() == 1
    # Closed events are rated; some events are old enough to be overdue, with their card
    # on the timeline as the supervision sweep writes it.
    closed = Event.objects.filter(state=State.CLOSED)
    assert closed.exists() and not closed.filter(satisfaction__isnull=True).exists()
    carded = Event.objects.exclude(card=Card.NONE)
    assert carded.exists()
    assert EventStep.objects.filter(event__in=carded, action__endswith="_card").exists()
    assert Event.objects.filter(reported_at__lt=timezone.now() - timezone.timedelta(days=20))
    assert EventLink.objects.filter(household__isnull=False).exists()

    # The logins around 十八洞村 have work waiting.
    grid_worker = User.objects.get(username="grid_worker")
    township = User.objects.get(username="township_centre")
    assert worklist.waiting(grid_worker).counts["accept"] > 0
    waiting_at_township = worklist.waiting(township)
    assert waiting_at_township.entries
    assert waiting_at_township.counts["approve"] >= 2  # the extension and the return
    assert worklist.waiting(User.objects.get(username="village_cadre")).entries
    # Demo staff act elsewhere but cannot sign in.
    staff = User.objects.filter(username__startswith="demo-")
    assert staff.exists() and not any(user.has_usable_password() for user in staff)

    # Visits over the last 90 days, some plans overdue, entries in the work log.
    visits = Visit.objects.all()
    assert visits.count() >= 100
    assert not visits.exclude(region_code__startswith=TOWNSHIP).exists()
    oldest = visits.order_by("visited_at").first().visited_at
    assert (timezone.now() - oldest).days >= 60
    assert VisitPlan.objects.filter(next_due__lt=timezone.localdate()).exists()
    assert queries.overdue_count(grid_worker) > 0
    assert WorkLogEntry.objects.count() == 24

    counts = (
        Event.objects.count(),
        EventStep.objects.count(),
        Visit.objects.count(),
        WorkLogEntry.objects.count(),
        User.objects.count(),
        AuditEntry.objects.count(),
    )
    second = run_demo("--scale", "0.002", "--within", TOWNSHIP)

    assert "events: created 0 (the demo has events already)" in second
    assert "visits: recorded 0 (the demo has visits already)" in second
    assert counts == (
        Event.objects.count(),
        EventStep.objects.count(),
        Visit.objects.count(),
        WorkLogEntry.objects.count(),
        User.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_number_of_events_follows_the_scale_within_limits():
    assert events.event_count(0.02) == 150
    assert events.event_count(0.002) == events.MINIMUM_EVENTS
    assert events.event_count(1) == events.MAXIMUM_EVENTS


@pytest.mark.django_db
def test_moving_back_counts_working_days_and_keeps_the_time_of_day():
    # Monday 2025-09-15 10:00 back 1 working day is Friday the 12th; back 5, Monday the 8th.
    monday = datetime(2025, 9, 15, 10, 0, tzinfo=SHANGHAI)
    assert events.working_days_back(monday, 1) == datetime(2025, 9, 12, 10, 0, tzinfo=SHANGHAI)
    assert events.working_days_back(monday, 5).date() == date(2025, 9, 8)
    # 2025-10-08 (Wednesday) is in the National Day holiday; back 1 from the 9th is the 30th.
    assert events.working_days_back(datetime(2025, 10, 9, 9, 0, tzinfo=SHANGHAI), 1).date() == date(
        2025, 9, 30
    )
    assert events.working_days_back(None, 3) is None
