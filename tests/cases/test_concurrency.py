"""Two people, or two workers, at the same moment: exactly one wins.

Inside one test transaction the race is simulated with stale objects and stale candidate
lists. On PostgreSQL the same races are also run for real, on two threads with their own
connections; those tests commit their rows and delete their events afterwards (the audit
entries stay, as the append-only log allows nothing else), so they avoid the transactional
test cases whose flush would try to TRUNCATE the audit table.
"""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connections
from django.db.models import Q
from django.utils import timezone

from gridgov.cases import actions, supervision
from gridgov.cases.choices import Card, State
from gridgov.cases.models import Event, EventStep
from gridgov.cases.workflow import IllegalTransition, transition
from gridgov.regions.models import Region
from gridgov.testing import personas
from gridgov.testing.cases import act, at, report, user


def test_two_dispatchers_accept_at_once_and_exactly_one_wins(story, township_b):
    event = story.reported()
    seen_by_b = Event.objects.get(pk=event.pk)  # B opened the case before A accepted it
    act(event, "accept", "township")
    with pytest.raises(IllegalTransition) as error:
        transition(seen_by_b, "accept", actor=township_b)
    assert error.value.state == State.ACCEPTED
    assert "accept" not in error.value.allowed and "dispatch" in error.value.allowed
    assert seen_by_b.state == State.REPORTED  # B's object is left as B read it
    assert Event.objects.get(pk=event.pk).assignee == user("township")
    assert EventStep.objects.filter(event=event, action="accept").count() == 1


def test_a_sweeper_with_a_stale_list_claims_nothing(story):
    event = story.accepted()
    moment = at(2025, 9, 17, 9)
    overdue = Q(card=Card.NONE, state__in=[State.ACCEPTED], handle_due__lt=moment)
    stale = supervision._candidates(overdue)  # worker 1 reads its candidates …
    assert stale == [event.pk]
    assert supervision.apply_cards(moment).yellow == 1  # … worker 2 sweeps first …
    claimed = supervision._claim(  # … and worker 1's conditional update finds nothing.
        event.pk, overdue, {"card": Card.YELLOW}, moment, lambda event, now: None
    )
    assert claimed == 0
    assert EventStep.objects.filter(event=event, action="yellow_card").count() == 1


# --- For real, on PostgreSQL ------------------------------------------------------------------

# Row locks across real connections: run by `make test-postgres`, deselected on SQLite.
postgres_only = pytest.mark.postgres


@pytest.fixture
def committed(django_db_blocker):
    """Database access outside the test transaction: what is created here is committed and
    visible to other connections. The events listed are deleted afterwards."""
    created: list[Event] = []
    with django_db_blocker.unblock():
        try:
            yield created
        finally:
            Event.objects.filter(pk__in=[e.pk for e in created]).delete()


def _race(*jobs) -> list:
    """Run the jobs on threads released together; returns each job's result or exception."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@postgres_only
def test_two_connections_accept_at_once_and_exactly_one_wins(committed):
    event = report("worker_a", title="并发受理测试")
    committed.append(event)
    # The cadre and the township centre both may accept a grid's event.
    results = _race(
        lambda: transition(Event.objects.get(pk=event.pk), "accept", actor=user("cadre")),
        lambda: transition(Event.objects.get(pk=event.pk), "accept", actor=user("township")),
    )
    wins = [r for r in results if isinstance(r, EventStep)]
    losses = [r for r in results if isinstance(r, IllegalTransition)]
    assert (len(wins), len(losses)) == (1, 1), results
    assert losses[0].state == State.ACCEPTED
    assert EventStep.objects.filter(event=event, action="accept").count() == 1


@postgres_only
def test_two_workers_sweeping_at_once_card_each_event_once(committed):
    committed.extend(report("worker_a", title=f"并发督办测试 {i}") for i in range(3))
    later = timezone.now() + timedelta(days=30)
    results = _race(lambda: supervision.apply_cards(later), lambda: supervision.apply_cards(later))
    assert all(isinstance(r, supervision.SweepResult) for r in results), results
    assert sum(r.yellow for r in results) == 3
    assert sum(r.red for r in results) == 3
    assert sum(r.warned for r in results) == 3
    for event in committed:
        actions_taken = list(
            EventStep.objects.filter(event=event, action__endswith="_card").values_list(
                "action", flat=True
            )
        )
        assert sorted(actions_taken) == ["red_card", "yellow_card"]


@postgres_only
def test_the_same_report_sent_twice_at_once_creates_one_event(committed):
    key = uuid.uuid4()
    grid = Region.objects.get(code=personas.GRID_1)

    def send():
        return actions.report_event(
            actor=user("worker_a"), uuid=key, title="重复提交测试", category="dispute", grid=grid
        )

    results = _race(send, send)
    committed.extend(Event.objects.filter(uuid=key))
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(created for _event, created in results) == [False, True]
    assert len({event.pk for event, _created in results}) == 1
