"""The supervision sweep: 70 % warnings, yellow and red cards, claimed once however many
workers sweep; its notifications, the periodic task and the command."""

import pytest
from django.core.management import call_command

from gridgov.accounts.models import AuditEntry
from gridgov.cases import notifications, tasks
from gridgov.cases.channels import LoggingChannel
from gridgov.cases.choices import Card, NotificationKind
from gridgov.cases.models import Event, EventStep, Notification
from gridgov.cases.supervision import apply_cards
from gridgov.testing.cases import at, user


def test_the_warning_comes_at_70_percent_of_the_working_time(story):
    # Accepted Monday 10:00 at the township: due Tuesday 23:59:59, 38 working hours later;
    # 70 % is about 26.6 hours: Tuesday 12:36.
    event = story.accepted()
    assert at(2025, 9, 16, 12, 35) < event.warn_at < at(2025, 9, 16, 12, 37)
    assert apply_cards(at(2025, 9, 16, 12)).warned == 0
    assert apply_cards(at(2025, 9, 16, 13)).warned == 1
    assert Event.objects.get(pk=event.pk).warned
    assert Notification.objects.filter(
        event=event, user=user("township"), kind=NotificationKind.WARNING
    ).exists()
    assert AuditEntry.objects.filter(action="cases.deadline_warning", object_id=str(event.pk))
    assert apply_cards(at(2025, 9, 16, 14)).warned == 0


def test_sweeping_twice_cards_once(story):
    event = story.accepted()
    first = apply_cards(at(2025, 9, 18, 9))  # past yellow (16th) and red (17th) limits
    second = apply_cards(at(2025, 9, 18, 9))
    assert (first.yellow, first.red) == (1, 1)
    assert (second.warned, second.yellow, second.red) == (0, 0, 0)
    event.refresh_from_db()
    assert event.card == Card.RED
    assert event.yellow_card_at == event.red_card_at == at(2025, 9, 18, 9)
    cards = EventStep.objects.filter(event=event, action__endswith="_card")
    assert sorted(cards.values_list("action", flat=True)) == ["red_card", "yellow_card"]
    assert AuditEntry.objects.filter(action="cases.red_card", object_id=str(event.pk)).count() == 1


def test_a_red_card_reaches_the_centre_above(story, person):
    county = person("county", "county_centre", "433124")
    event = story.accepted()
    apply_cards(at(2025, 9, 16, 23, 59, 59))  # exactly due: not yet overdue
    assert Event.objects.get(pk=event.pk).card == Card.NONE
    apply_cards(at(2025, 9, 17, 0, 0, 1))
    assert not Notification.objects.filter(event=event, user=county).exists()
    apply_cards(at(2025, 9, 18, 0, 0, 1))
    assert Notification.objects.filter(event=event, user=county, kind=NotificationKind.CARD)
    assert Notification.objects.filter(event=event, user=user("township"), kind="card").count() == 2


def test_a_sweep_with_nothing_to_do_costs_a_few_queries(db, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        assert str(apply_cards(at(2020, 1, 1))) == "warnings 0, yellow cards 0, red cards 0"


def test_the_periodic_task_and_the_command_run_the_sweep(story, clock, capsys):
    event = story.accepted()
    clock(at(2025, 9, 17, 9))
    assert tasks.sweep_deadlines.call_local() == "warnings 1, yellow cards 1, red cards 0"
    call_command("cases", "sweep")
    assert "yellow cards 0" in capsys.readouterr().out
    assert Event.objects.get(pk=event.pk).card == Card.YELLOW


def test_notifications_go_out_through_the_channels_only_after_commit(
    story, django_capture_on_commit_callbacks
):
    LoggingChannel.sent.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = story.dispatched()
    assert callbacks
    sent = [m for m in LoggingChannel.sent if m.tracking_code == event.tracking_code]
    assert {m.username for m in sent if m.kind == NotificationKind.ASSIGNMENT} >= {
        "handler",
        "civil",
    }
    inbox = Notification.objects.filter(user=user("handler"), read_at__isnull=True)
    assert notifications.mark_read(actor=user("handler"), notification_ids=[n.pk for n in inbox])
    assert not Notification.objects.filter(user=user("handler"), read_at__isnull=True).exists()


def test_a_failing_channel_does_not_lose_the_notification(story, settings, caplog):
    settings.GRIDGOV_CASES_CHANNELS = ["gridgov.testing.cases.UnreachableGatewayChannel"]
    event = story.dispatched()
    ids = list(Notification.objects.filter(event=event).values_list("pk", flat=True))
    assert tasks.deliver_notifications.call_local(ids) == 0
    assert "could not send" in caplog.text
    assert Notification.objects.filter(pk__in=ids).count() == len(ids)


@pytest.mark.parametrize("worker_count", [2, 3])
def test_several_sweepers_claim_each_change_once(story, worker_count):
    events = [story.accepted() for _ in range(3)]
    moment = at(2025, 9, 17, 9)
    results = [apply_cards(moment) for _ in range(worker_count)]
    assert sum(r.yellow for r in results) == 3
    assert EventStep.objects.filter(event__in=events, action="yellow_card").count() == 3
