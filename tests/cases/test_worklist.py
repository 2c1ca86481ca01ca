"""Worklists: each person sees what waits for them, in the right bucket, soonest deadline
first, in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.accounts import actions as account_actions
from gridgov.cases import deadlines, worklist
from gridgov.cases.choices import Level
from gridgov.cases.models import Event
from gridgov.regions.models import Region
from gridgov.testing import personas
from gridgov.testing.cases import act, at, report, user


def _keys(someone, bucket=None):
    """(event id, bucket) of what waits for someone, in worklist order."""
    return [(entry.pk, entry.bucket) for entry in worklist.waiting(someone, bucket).entries]


@pytest.mark.django_db
def test_a_new_report_waits_for_its_grid_and_nobody_else(clock):
    event = report("worker_a")
    assert _keys(user("worker_a")) == [(event.pk, worklist.ACCEPT)]
    for other in ("worker_b", "cadre", "township", "handler", "leader"):
        assert _keys(user(other)) == [], other


@pytest.mark.django_db
def test_the_event_moves_from_list_to_list_as_it_is_escalated_and_dispatched(story, civil):
    event = story.accepted()
    assert _keys(user("township")) == [(event.pk, worklist.DISPATCH)]
    assert _keys(user("handler")) == []

    act(event, "dispatch", "township", lead=story.police, assisting=[story.civil_affairs])
    assert _keys(user("township")) == []
    assert _keys(user("handler")) == [(event.pk, worklist.HANDLE)]
    assert _keys(civil) == [(event.pk, worklist.HANDLE)]


@pytest.mark.django_db
def test_a_handled_event_waits_for_verification_by_the_unit_that_reported_it(story):
    event = story.handled()
    assert _keys(user("worker_a")) == [(event.pk, worklist.VERIFY)]
    assert _keys(user("handler")) == []
    assert _keys(user("worker_b")) == []


@pytest.mark.django_db
def test_a_pending_extension_waits_for_the_dispatcher_not_for_who_asked(story):
    event = story.in_progress()
    act(event, "request_extension", "handler", amount=3, reason="需要协调水利部门")
    assert _keys(user("township")) == [(event.pk, worklist.APPROVE)]
    assert worklist.waiting(user("township")).counts == {
        worklist.ACCEPT: 0,
        worklist.APPROVE: 1,
        worklist.DISPATCH: 0,
        worklist.HANDLE: 0,
        worklist.VERIFY: 0,
    }


@pytest.mark.django_db
def test_overdue_first_then_soonest_deadline(clock):
    # Reported on three days: the oldest acceptance deadline comes first.
    first = report("worker_a", title="第一件")
    clock(at(2025, 9, 16))
    second = report("worker_a", title="第二件")
    clock(at(2025, 9, 17))
    third = report("worker_a", title="第三件", urgency="high")
    ordered = [entry.pk for entry in worklist.waiting(user("worker_a")).entries]
    dues = _dues()
    assert ordered == sorted(ordered, key=lambda pk: (dues[pk], pk))
    assert set(ordered) == {first.pk, second.pk, third.pk}


@pytest.mark.django_db
def test_one_bucket_at_a_time(story):
    accepted = story.accepted()
    waiting = story.reported(level=Level.TOWNSHIP)
    township = user("township")
    assert _keys(township, worklist.ACCEPT) == [(waiting.pk, worklist.ACCEPT)]
    assert _keys(township, worklist.DISPATCH) == [(accepted.pk, worklist.DISPATCH)]
    assert _keys(township, worklist.VERIFY) == []


@pytest.mark.django_db
def test_a_page_costs_the_same_queries_however_many_events_wait(client_of, clock):
    township = client_of("township")
    for index in range(3):
        event = report("worker_a", title=f"事件{index}")
        act(event, "escalate", "worker_a", to_level=Level.VILLAGE)
        act(event, "escalate", "cadre", to_level=Level.TOWNSHIP)

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = township.get("/api/events/worklist?limit=50")
        assert page.status_code == 200
        return len(captured)

    queries_for_page()  # the process now holds the township's roles, as a running server does
    few = queries_for_page()
    for index in range(10):
        event = report("worker_a", title=f"更多{index}")
        act(event, "escalate", "worker_a", to_level=Level.VILLAGE)
        act(event, "escalate", "cadre", to_level=Level.TOWNSHIP)
    page = township.get("/api/events/worklist?limit=50").json()
    assert page["counts"][worklist.ACCEPT] == len(page["items"]) == 13
    assert queries_for_page() == few


def _dues():
    """Each event's running deadline."""
    return {event.pk: deadlines.running_due(event) for event in Event.objects.all()}


def _titles(found):
    titles = dict(Event.objects.values_list("pk", "title"))
    return [(titles[entry.pk], entry.bucket) for entry in found.entries]


@pytest.mark.django_db
def test_one_query_gives_every_bucket_in_deadline_order_and_the_counts(story, clock):
    story.accepted(title="待派遣")
    clock(at(2025, 9, 16))
    story.reported(title="待受理")
    extended = story.in_progress(title="待审批")
    act(extended, "request_extension", "handler", amount=3, reason="需要协调水利部门")
    clock(at(2025, 9, 17))
    story.reported(title="加急待受理", urgency="high")
    township = user("township")
    worklist.waiting(township)  # (the user's query is built, then held)
    with CaptureQueriesContext(connection) as captured:
        found = worklist.waiting(township)
    assert len(captured) == 1
    assert sorted(_titles(found)) == sorted(
        [
            ("待派遣", worklist.DISPATCH),
            ("待受理", worklist.ACCEPT),
            ("待审批", worklist.APPROVE),
            ("加急待受理", worklist.ACCEPT),
        ]
    )
    # Soonest deadline first (overdue ones are the soonest), then the oldest event.
    dues = _dues()
    ordered = [entry.pk for entry in found.entries]
    assert ordered == sorted(ordered, key=lambda pk: (dues[pk], pk))
    assert found.counts == {
        worklist.ACCEPT: 2,
        worklist.APPROVE: 1,
        worklist.DISPATCH: 1,
        worklist.HANDLE: 0,
        worklist.VERIFY: 0,
    }
    for key in worklist.BUCKET_KEYS:
        one = worklist.waiting(township, key)
        assert one.entries == [entry for entry in found.entries if entry.bucket == key], key
        assert one.counts == found.counts


@pytest.mark.django_db
def test_events_without_a_running_deadline_come_last_oldest_first(clock):
    first = report("worker_a", title="第一件")
    clock(at(2025, 9, 16))
    second = report("worker_a", title="第二件")
    third = report("worker_a", title="第三件")
    # Events from before deadlines were kept, say: nothing in their deadline column.
    Event.objects.filter(pk__in=[first.pk, third.pk]).update(accept_due=None)
    found = worklist.waiting(user("worker_a"))
    assert [entry.pk for entry in found.entries] == [second.pk, first.pk, third.pk]


@pytest.mark.django_db
def test_an_event_in_two_buckets_is_shown_in_the_first_and_counted_in_both(story, person, police):
    both = person(
        "both",
        "township_centre",
        personas.TOWNSHIP,
        None,
        ("department_handler", personas.COUNTY, police),
    )
    event = story.in_progress()
    act(event, "request_extension", "handler", amount=3, reason="需要协调水利部门")
    found = worklist.waiting(both)
    assert [(entry.pk, entry.bucket) for entry in found.entries] == [(event.pk, worklist.APPROVE)]
    assert found.counts[worklist.APPROVE] == found.counts[worklist.HANDLE] == 1
    assert sum(found.counts.values()) == 2
    handle_only = worklist.waiting(both, worklist.HANDLE)
    assert [(entry.pk, entry.bucket) for entry in handle_only.entries] == [
        (event.pk, worklist.HANDLE)
    ]


@pytest.mark.django_db
def test_nothing_waits_for_someone_without_buckets(clock):
    assert worklist.waiting(user("leader")) == worklist.Waiting(entries=[], counts={})


@pytest.mark.django_db
def test_a_new_role_counts_from_the_next_request(story, person):
    event = story.accepted()
    newcomer = person("newcomer", "grid_worker", personas.GRID_2)
    assert worklist.waiting(user("newcomer")).entries == []  # the process keeps their query
    account_actions.assign_role(
        actor=None,
        user=newcomer,
        role="township_centre",
        region=Region.objects.get(code=personas.TOWNSHIP),
    )
    next_request = user("newcomer")  # each request reads the user row afresh
    assert [(entry.pk, entry.bucket) for entry in worklist.waiting(next_request).entries] == [
        (event.pk, worklist.DISPATCH)
    ]
