"""Whole stories: grid → village → township → two departments → verification → closure →
rating; the rework loop; returns with approval; merging; reopening; skip-level escalation."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from gridgov.cases.choices import AssignmentState, Level, NotificationKind, State
from gridgov.cases.models import Event, EventStep, Notification
from gridgov.cases.workflow import IllegalTransition, allowed_actions
from gridgov.testing import personas
from gridgov.testing.cases import act, at, report, user


def _steps(event) -> list[tuple[str, str, str]]:
    return list(EventStep.objects.filter(event=event).values_list("action", "to_state", "to_level"))


def _told(event, name_or_user, kind) -> bool:
    person = user(name_or_user)
    return Notification.objects.filter(event=event, user=person, kind=kind).exists()


def test_a_case_goes_up_to_the_township_out_to_two_departments_and_back(
    story, clock, police, civil_affairs, civil
):
    event = report("worker_a", title="村民宅基地边界纠纷", category="dispute.homestead")
    assert allowed_actions(event, user("worker_a")) == ["accept", "merge", "resolve", "escalate"]

    clock(at(2025, 9, 15, 10, 30))
    act(event, "escalate", "worker_a", note="网格内无法调解")
    assert (event.level, event.holder_code) == (Level.VILLAGE, personas.VILLAGE)
    assert event.accept_due == at(2025, 9, 16, 23, 59, 59)  # the village's own accept clock
    assert _told(event, "cadre", NotificationKind.ASSIGNMENT)

    clock(at(2025, 9, 15, 11))
    act(event, "escalate", "cadre", note="需乡镇协调")
    assert (event.state, event.level) == (State.REPORTED, Level.TOWNSHIP)

    clock(at(2025, 9, 15, 14))
    act(event, "accept", "township")
    assert (event.state, event.assignee) == (State.ACCEPTED, user("township"))
    assert event.handle_due == at(2025, 9, 16, 23, 59, 59)  # township: 1 working day

    clock(at(2025, 9, 15, 15))
    act(event, "dispatch", "township", lead=police, assisting=[civil_affairs])
    assert (event.state, event.lead_department) == (State.DISPATCHED, police)
    # Departments: 5 working days (yellow), 10 (red): the make-up Sunday 28 September counts.
    assert event.handle_due == at(2025, 9, 22, 23, 59, 59)
    assert event.red_due == at(2025, 9, 28, 23, 59, 59)
    assert _told(event, "handler", NotificationKind.ASSIGNMENT)
    assert _told(event, civil, NotificationKind.ASSIGNMENT)

    clock(at(2025, 9, 16, 9))
    act(event, "department_accept", "handler")
    act(event, "assist_accept", civil)
    assert event.state == State.IN_PROGRESS
    with pytest.raises(ValidationError) as error:  # the assisting part is not in yet
        act(event, "report", "handler", result="已调解")
    assert "花垣县民政局" in str(error.value)
    act(event, "report_part", civil, result="已为困难户办理临时救助")

    clock(at(2025, 9, 17, 16))
    act(event, "report", "handler", result="经调解双方达成协议，已重新确界")
    assert (event.state, event.handled_by) == (State.HANDLED, user("handler"))
    assert event.verify_due == at(2025, 9, 19, 23, 59, 59)  # the grid verifies: 2 days
    assert _told(event, "worker_a", NotificationKind.ASSIGNMENT)

    clock(at(2025, 9, 18, 10))
    act(event, "verify", "worker_a", note="回访双方，协议已履行")
    act(event, "close", "township")
    assert (event.state, event.red_due, event.warn_at) == (State.CLOSED, None, None)
    assert _told(event, "worker_a", NotificationKind.CLOSED)
    assert set(event.assignments.values_list("state", flat=True)) == {AssignmentState.COMPLETED}

    act(event, "rate", "worker_a", score=5, comment="满意")
    assert event.satisfaction == 5
    assert _steps(event) == [
        ("report", State.REPORTED, Level.GRID),
        ("escalate", State.REPORTED, Level.VILLAGE),
        ("escalate", State.REPORTED, Level.TOWNSHIP),
        ("accept", State.ACCEPTED, Level.TOWNSHIP),
        ("dispatch", State.DISPATCHED, Level.TOWNSHIP),
        ("department_accept", State.IN_PROGRESS, Level.TOWNSHIP),
        ("assist_accept", State.IN_PROGRESS, Level.TOWNSHIP),
        ("report_part", State.IN_PROGRESS, Level.TOWNSHIP),
        ("report", State.HANDLED, Level.TOWNSHIP),
        ("verify", State.VERIFIED, Level.TOWNSHIP),
        ("close", State.CLOSED, Level.TOWNSHIP),
        ("rate", State.CLOSED, Level.TOWNSHIP),
    ]
    rating = EventStep.objects.get(event=event, action="rate")
    assert rating.details == {"score": 5, "on_behalf": False}
    assert EventStep.objects.get(event=event, action="report_part").department == civil_affairs


def test_a_grid_worker_rates_on_a_residents_behalf(story, township_b):
    event = report("township", title="12345 热线：路灯不亮", category="service")
    act(event, "accept", "township")
    act(event, "report", "township", result="已修复")
    # The hotline desk reported it, so the township verifies; not the person who handled it.
    assert allowed_actions(event, user("township")) == []
    act(event, "verify", township_b, note="电话回访，已亮")
    act(event, "close", "township")
    act(event, "rate", "worker_a", score=4)
    rating = EventStep.objects.get(event=event, action="rate")
    assert rating.details == {"score": 4, "on_behalf": True}


def test_rework_sends_the_case_back_to_whoever_handled_it_on_a_new_clock(story, clock):
    event = story.handled()
    clock(at(2025, 9, 19, 10))
    act(event, "rework", "worker_a", reason="现场回访，排水沟仍未疏通")
    assert event.state == State.IN_PROGRESS
    assert event.handle_due == at(2025, 9, 26, 23, 59, 59)  # 5 working days from Friday
    lead = event.assignments.get(department=story.police)
    assert (lead.state, lead.reported_at) == (AssignmentState.ACCEPTED, None)
    assert _told(event, "handler", NotificationKind.REWORK)
    act(event, "report", "handler", result="已再次疏通并加装盖板")
    act(event, "verify", "worker_a")
    actions = [action for action, _state, _level in _steps(event)]
    assert actions[-4:] == ["report", "rework", "report", "verify"]


def test_a_lead_department_gives_back_a_misdirected_case_with_approval(story, civil):
    event = story.in_progress()
    act(event, "request_return", "handler", reason="属于民政职责")
    assert _told(event, "township", NotificationKind.RETURNED)
    assert event.state == State.IN_PROGRESS  # nothing moves before the dispatcher decides
    act(event, "approve_return", "township", note="同意，改派民政")
    assert (event.state, event.lead_department) == (State.ACCEPTED, None)
    states = dict(event.assignments.values_list("department__name", "state"))
    assert states == {
        "花垣县公安局": AssignmentState.RETURNED,
        "花垣县民政局": AssignmentState.WITHDRAWN,
    }
    assert _told(event, "handler", NotificationKind.DECISION)
    # The police no longer act on it, and the case can be sent to the right department.
    assert allowed_actions(event, user("handler")) == []
    act(event, "dispatch", "township", lead=story.civil_affairs)
    act(event, "department_accept", civil)
    assert event.assignee == civil


def test_an_assisting_department_is_released_and_a_refused_return_changes_nothing(story, civil):
    event = story.in_progress()
    act(event, "request_return", civil, reason="无需民政参与")
    act(event, "request_return", "handler", reason="不属公安")
    with pytest.raises(ValidationError) as error:  # two are pending: say which
        act(event, "approve_return", "township")
    assert "department" in error.value.message_dict
    act(event, "refuse_return", "township", department=story.police, note="请继续办理")
    act(event, "approve_return", "township", department=story.civil_affairs)
    assert event.state == State.IN_PROGRESS
    states = dict(event.assignments.values_list("department__name", "state"))
    assert states == {
        "花垣县公安局": AssignmentState.ACCEPTED,
        "花垣县民政局": AssignmentState.RETURNED,
    }
    act(event, "report", "handler", result="已办结")  # nobody assisting is waited for now
    assert event.state == State.HANDLED


def test_a_duplicate_is_merged_and_both_reporters_hear_of_the_closure(story, civil):
    first = story.accepted()
    duplicate = report("township", title="同一排水沟纠纷（热线）", category="dispute.neighbour")
    act(duplicate, "merge", "township", into=first, note="同一事件")
    assert (duplicate.state, duplicate.merged_into) == (State.MERGED, first)
    merged_in = EventStep.objects.get(event=first, action="merge_in")
    assert merged_in.details == {"duplicate": duplicate.pk}
    assert _told(first, "worker_a", NotificationKind.MERGED)
    with pytest.raises(ValidationError):  # not into a closed or merged event
        act(report("township"), "merge", "township", into=duplicate)
    act(first, "dispatch", "township", lead=story.police)
    act(first, "department_accept", "handler")
    act(first, "report", "handler", result="已调解")
    act(first, "verify", "worker_a")
    act(first, "close", "township")
    assert _told(first, "township", NotificationKind.CLOSED)  # the duplicate's reporter


def test_a_closed_case_can_be_reopened_for_30_days(story, clock):
    event = story.closed()
    clock(event.closed_at + timedelta(days=30))
    act(event, "reopen", "worker_a", reason="问题复发")
    assert (event.state, event.level, event.lead_department) == (
        State.REPORTED,
        Level.TOWNSHIP,
        None,
    )
    assert event.accept_due is not None and event.satisfaction is None
    late = story.closed()
    clock(late.closed_at + timedelta(days=31))
    with pytest.raises(IllegalTransition) as error:
        act(late, "reopen", "worker_a", reason="问题复发")
    assert error.value.allowed == ["rate"]


def test_urgent_hazards_skip_levels_with_a_copy_to_those_passed_over(story):
    event = report(
        "worker_a",
        title="山体滑坡威胁民房",
        category="emergency.natural_disaster",
        emergency_grade="III",
        urgency="high",
    )
    act(event, "escalate", "worker_a")
    assert (event.level, event.holder_code) == (Level.COUNTY, personas.COUNTY)
    step = EventStep.objects.get(event=event, action="escalate")
    assert step.details["copied_to"] == [personas.VILLAGE, personas.TOWNSHIP]
    assert _told(event, "cadre", NotificationKind.COPY)
    assert _told(event, "township", NotificationKind.COPY)
    # An ordinary matter goes one level at a time.
    ordinary = report("worker_a")
    with pytest.raises(ValidationError) as error:
        act(ordinary, "escalate", "worker_a", to_level=Level.TOWNSHIP)
    assert "to_level" in error.value.message_dict


def test_departments_see_the_cases_dispatched_to_them_and_nothing_else(story):
    dispatched = story.dispatched()
    waiting = story.accepted()
    visible = set(Event.objects.visible_to(user("handler")))
    assert dispatched in visible and waiting not in visible
    assert set(Event.objects.visible_to(user("leader"))) >= {dispatched, waiting}
    assert not Event.objects.visible_to(user("outsider")).filter(pk=dispatched.pk).exists()
