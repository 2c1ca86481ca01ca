"""Stored deadlines: rules per category × level × urgency, extensions, suspension (the
clock stops), and cards at the right working-day moment around holidays."""

import pytest

from gridgov.cases import deadlines
from gridgov.cases.choices import Card, DeadlineUnit, Level, RuleLevel, State, Urgency
from gridgov.cases.models import Category, DeadlineRule, Event, EventStep
from gridgov.cases.supervision import apply_cards
from gridgov.testing.cases import act, at, report


def _card(event) -> str:
    return Event.objects.get(pk=event.pk).card


def test_the_seeded_default_rules_are_the_documented_defaults(db):
    for rule in DeadlineRule.objects.filter(category__isnull=True):
        expected = deadlines.default_limits(rule.level, rule.urgency)
        assert (rule.unit, rule.accept_yellow, rule.accept_red) == (expected.unit, *expected.accept)
        assert (rule.handle_yellow, rule.handle_red) == expected.handle
        assert (rule.verify_yellow, rule.verify_red) == expected.verify
    assert DeadlineRule.objects.filter(category__isnull=True).count() == 5 * 3


def test_a_category_rule_beats_the_default_and_sub_categories_inherit_it(story):
    safety = Category.objects.get(code="safety")
    DeadlineRule.objects.create(
        category=safety,
        level=RuleLevel.TOWNSHIP,
        urgency=Urgency.MEDIUM,
        accept_yellow=1,
        accept_red=2,
        handle_yellow=3,
        handle_red=6,
        verify_yellow=2,
        verify_red=3,
    )
    fire = story.accepted(category="safety.fire")  # accepted Monday 15 September
    assert fire.handle_due == at(2025, 9, 18, 23, 59, 59)
    dispute = story.accepted()
    assert dispute.handle_due == at(2025, 9, 16, 23, 59, 59)


def test_an_approved_extension_moves_the_deadline_and_its_red_limit(story, clock):
    event = story.in_progress()  # dispatched Monday 15 September: due Monday 22
    assert (event.handle_due, event.red_due) == (
        at(2025, 9, 22, 23, 59, 59),
        at(2025, 9, 28, 23, 59, 59),
    )
    clock(at(2025, 9, 19, 9))
    act(event, "request_extension", "handler", amount=3, reason="需等待鉴定结果")
    assert event.handle_due == at(2025, 9, 22, 23, 59, 59)  # nothing moves before approval
    act(event, "approve_extension", "township", note="同意延期三个工作日")
    assert event.handle_due == at(2025, 9, 25, 23, 59, 59)
    assert event.red_due == at(2025, 10, 9, 23, 59, 59)  # 28 Sep + 3 across golden week
    request = event.requests.get()
    assert (request.state, request.previous_due, request.new_due) == (
        "approved",
        at(2025, 9, 22, 23, 59, 59),
        at(2025, 9, 25, 23, 59, 59),
    )
    step = EventStep.objects.get(event=event, action="approve_extension")
    assert step.details["new_due"] == at(2025, 9, 25, 23, 59, 59).isoformat()
    act(event, "request_extension", "handler", amount=2, reason="再延")
    act(event, "refuse_extension", "township", note="不同意")
    assert event.handle_due == at(2025, 9, 25, 23, 59, 59)


def test_a_suspended_case_is_not_carded_and_its_deadlines_move_by_the_time_suspended(story, clock):
    event = story.in_progress()  # due Monday 22 September 23:59:59
    clock(at(2025, 9, 17, 10))
    act(event, "request_suspension", "handler", reason="等待法院判决")
    act(event, "approve_suspension", "township")
    assert (event.state, event.state_before_suspension) == (State.SUSPENDED, State.IN_PROGRESS)
    # Long past the deadline, but the clock is stopped.
    assert apply_cards(at(2025, 9, 24, 10)).yellow == 0
    assert _card(event) == Card.NONE
    # Resumed Wednesday 24 September 10:00: 5 working days suspended (17→24 September).
    clock(at(2025, 9, 24, 10))
    act(event, "resume", "township", note="判决已出")
    assert event.state == State.IN_PROGRESS
    assert event.suspended_seconds == 5 * 24 * 3600
    # 22 September + 5 working days: 23, 24, 25, 26 and the make-up Sunday 28.
    assert event.handle_due == at(2025, 9, 28, 23, 59, 59)
    # 28 September + 5: 29, 30 September, 9, 10 and the make-up Saturday 11 October.
    assert event.red_due == at(2025, 10, 11, 23, 59, 59)
    assert apply_cards(at(2025, 9, 28, 23)).yellow == 0
    assert apply_cards(at(2025, 9, 29, 0, 0, 1)).yellow == 1


def test_a_case_reported_before_national_day_is_carded_only_after_the_holiday(story, clock):
    # Reported at the township desk on Tuesday 30 September, the last working day before
    # the golden week: accept by Thursday 9 October (yellow), Friday 10 (red).
    clock(at(2025, 9, 30, 10))
    event = report("township", title="12345 热线：饮水管道破裂", category="service")
    assert event.accept_due == at(2025, 10, 9, 23, 59, 59)
    assert apply_cards(at(2025, 10, 8, 23)).yellow == 0
    assert apply_cards(at(2025, 10, 9, 23, 59, 59)).yellow == 0
    assert apply_cards(at(2025, 10, 10, 0, 0, 1)).yellow == 1
    assert _card(event) == Card.YELLOW
    assert apply_cards(at(2025, 10, 11, 0, 0, 1)).red == 1
    assert _card(event) == Card.RED


def test_a_department_dispatched_the_friday_before_the_holiday_is_carded_after_it(story, clock):
    # Dispatched Friday 26 September: five working days are 28 (make-up Sunday), 29, 30
    # September, 9 and 10 October. The yellow card comes on the make-up Saturday 11 October.
    clock(at(2025, 9, 26, 15))
    event = story.in_progress()
    assert event.handle_due == at(2025, 10, 10, 23, 59, 59)
    assert apply_cards(at(2025, 10, 8, 12)).yellow == 0
    assert apply_cards(at(2025, 10, 11, 0, 0, 1)).yellow == 1


def test_a_make_up_saturday_is_a_working_day(story, clock):
    clock(at(2025, 10, 10, 15))  # a Friday; Saturday 11 October is worked
    event = report("township", title="12345 热线：噪音扰民", category="dispute.neighbour")
    assert event.accept_due == at(2025, 10, 11, 23, 59, 59)
    assert apply_cards(at(2025, 10, 11, 20)).yellow == 0
    assert apply_cards(at(2025, 10, 12, 0, 0, 1)).yellow == 1


def test_urgent_matters_are_carded_in_hours_even_at_night(story, clock):
    clock(at(2025, 10, 1, 22))  # National Day, 22:00
    event = report("worker_a", title="民房起火", category="safety.fire", urgency=Urgency.HIGH)
    assert (event.deadline_unit, event.accept_due) == (DeadlineUnit.HOURS, at(2025, 10, 2, 0))
    assert apply_cards(at(2025, 10, 2, 0, 0, 1)).yellow == 1
    assert apply_cards(at(2025, 10, 2, 2, 0, 1)).red == 1


def test_the_card_is_given_per_running_stage_and_never_after_the_case_is_finished(story, clock):
    event = story.closed()
    assert apply_cards(at(2026, 1, 1)).yellow == 0
    assert _card(event) == Card.NONE
    waiting = story.handled()  # the grid verifies within 2 working days: by Wednesday 17
    assert waiting.verify_due == at(2025, 9, 17, 23, 59, 59)
    result = apply_cards(at(2025, 9, 18, 9))
    assert (result.yellow, _card(waiting)) == (1, Card.YELLOW)
    step = EventStep.objects.get(event=waiting, action="yellow_card")
    assert step.details["deadline"] == "verify_due"
    assert step.actor is None


def test_the_stages_levels_decide_the_limits(story):
    assert deadlines.rule_level(story.dispatched(), deadlines.HANDLE) == RuleLevel.DEPARTMENT
    accepted = story.accepted()
    assert deadlines.rule_level(accepted, deadlines.HANDLE) == Level.TOWNSHIP
    assert deadlines.rule_level(accepted, deadlines.VERIFY) == Level.GRID


@pytest.mark.parametrize("state", ["reported", "accepted", "dispatched", "handled"])
def test_each_running_stage_sets_a_red_limit_and_a_warning(story, state):
    event = story.at_state(state)
    stage = deadlines.stage_of(event.state)
    due = getattr(event, f"{stage}_due")
    assert event.stage_started_at < event.warn_at < due <= event.red_due
