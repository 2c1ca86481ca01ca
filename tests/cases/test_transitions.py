"""Every action of the workflow table, taken by whom it belongs to and by everyone else.

For each action: people who cannot see the event get 404 (Http404, as for a missing one);
people who see it but whose action it is not get PermissionDenied; the right person
succeeds, the version moves and the audit log has it; taking the action again is refused.
A table row per action: a new action without a row here fails the suite.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from gridgov.accounts.models import AuditEntry
from gridgov.cases.choices import Level, State
from gridgov.cases.models import Event
from gridgov.cases.workflow import (
    TRANSITIONS,
    IllegalTransition,
    PermissionDenied,
    allowed_actions,
    transition,
)
from gridgov.testing import personas
from gridgov.testing.cases import act, user


@dataclass
class Case:
    setup: Callable  # (story) -> (event, details)
    actor: str
    to: str
    denied: tuple[str, ...] = ("leader",)
    hidden: tuple[str, ...] = ("outsider", "worker_b")
    again: type[Exception] = IllegalTransition


def _with(state: str, *steps, level: str = Level.TOWNSHIP, **details):
    """Setup: an event brought to `state`, then `steps` (action, actor, details) taken."""

    def setup(story):
        event = story.at_state(state, **({"level": level} if state == "reported" else {}))
        for action, actor, step_details in steps:
            act(event, action, story.civil if actor == "civil" else actor, **step_details)
        resolved = {
            name: (value(story) if callable(value) else value) for name, value in details.items()
        }
        return event, resolved

    return setup


RETURN = ("request_return", "handler", {"reason": "不属于本部门职责"})
EXTENSION = ("request_extension", "handler", {"amount": 3, "reason": "需要现场勘验"})
SUSPENSION = ("request_suspension", "handler", {"reason": "等待法院判决"})
PART = ("report_part", "civil", {"result": "已落实临时救助"})

CASES: dict[str, Case] = {
    "accept": Case(_with("reported"), "township", State.ACCEPTED, denied=("leader", "worker_a")),
    "reject": Case(
        _with("reported", reason="不属于受理范围"),
        "township",
        State.REJECTED,
        denied=("leader", "cadre"),
    ),
    "merge": Case(
        _with("reported", into=lambda story: story.reported()),
        "township",
        State.MERGED,
        denied=("leader", "cadre"),
    ),
    "resolve": Case(
        _with("reported", level=Level.GRID, evidence="已当场调解，附调解照片"),
        "worker_a",
        State.HANDLED,
        denied=("leader", "cadre", "township"),
    ),
    "escalate": Case(
        _with("reported", level=Level.GRID),
        "worker_a",
        State.REPORTED,
        again=PermissionDenied,  # it is the village's now
    ),
    "dispatch": Case(
        _with(
            "accepted",
            lead=lambda story: story.police,
            assisting=lambda story: [story.civil_affairs],
        ),
        "township",
        State.DISPATCHED,
        denied=("leader", "cadre", "worker_a"),
        hidden=("outsider", "worker_b", "handler"),  # not dispatched yet: not theirs to see
    ),
    "department_accept": Case(
        _with("dispatched"),
        "handler",
        State.IN_PROGRESS,
        denied=("leader", "township", "civil"),
    ),
    "assist_accept": Case(
        _with("dispatched"),
        "civil",
        State.DISPATCHED,
        denied=("leader", "handler", "township"),
        again=ValidationError,
    ),
    "report_part": Case(
        _with("in_progress", result="已落实临时救助"),
        "civil",
        State.IN_PROGRESS,
        denied=("leader", "handler", "township"),
        again=ValidationError,
    ),
    "report": Case(
        _with("in_progress", PART, result="已调解结案"),
        "handler",
        State.HANDLED,
        denied=("leader", "township", "civil", "worker_a"),
    ),
    "request_return": Case(
        _with("in_progress", reason="不属于本部门职责"),
        "handler",
        State.IN_PROGRESS,
        denied=("leader", "township"),
        again=ValidationError,
    ),
    "approve_return": Case(
        _with("in_progress", RETURN),
        "township",
        State.ACCEPTED,
        denied=("leader", "handler", "cadre"),
    ),
    "refuse_return": Case(
        _with("in_progress", RETURN, note="属于公安职责，请继续办理"),
        "township",
        State.IN_PROGRESS,
        denied=("leader", "handler"),
    ),
    "request_extension": Case(
        _with("in_progress", amount=3, reason="需要现场勘验"),
        "handler",
        State.IN_PROGRESS,
        denied=("leader", "township", "civil"),
    ),
    "approve_extension": Case(
        _with("in_progress", EXTENSION), "township", State.IN_PROGRESS, denied=("leader", "handler")
    ),
    "refuse_extension": Case(
        _with("in_progress", EXTENSION), "township", State.IN_PROGRESS, denied=("leader", "handler")
    ),
    "request_suspension": Case(
        _with("in_progress", reason="等待法院判决"),
        "handler",
        State.IN_PROGRESS,
        denied=("leader", "civil"),
    ),
    "approve_suspension": Case(
        _with("in_progress", SUSPENSION), "township", State.SUSPENDED, denied=("leader", "handler")
    ),
    "refuse_suspension": Case(
        _with("in_progress", SUSPENSION),
        "township",
        State.IN_PROGRESS,
        denied=("leader", "handler"),
    ),
    "resume": Case(
        _with("suspended"), "township", State.IN_PROGRESS, denied=("leader", "handler", "cadre")
    ),
    "verify": Case(_with("handled"), "worker_a", State.VERIFIED, denied=("leader", "handler")),
    "rework": Case(
        _with("handled", reason="现场核查未解决"),
        "worker_a",
        State.IN_PROGRESS,
        denied=("leader", "handler"),
    ),
    "close": Case(_with("verified"), "township", State.CLOSED, denied=("leader", "worker_a")),
    "rate": Case(_with("closed", score=4), "worker_a", State.CLOSED, denied=("leader", "handler")),
    "reopen": Case(
        _with("closed", reason="群众反映问题复发"),
        "worker_a",
        State.REPORTED,
        denied=("leader", "handler"),
    ),
}


def test_every_action_has_a_case():
    assert set(CASES) == set(TRANSITIONS)


@pytest.fixture
def who(civil):
    return lambda name: civil if name == "civil" else user(name)


@pytest.mark.parametrize("action", list(CASES))
def test_the_right_person_succeeds_and_everyone_else_is_refused(action, story, who):
    case = CASES[action]
    event, details = case.setup(story)
    version = event.version
    for name in case.hidden:
        with pytest.raises(Http404):
            transition(event, action, actor=who(name), **details)
    for name in case.denied:
        with pytest.raises(PermissionDenied):
            transition(event, action, actor=who(name), **details)
    assert Event.objects.get(pk=event.pk).version == version  # refusals change nothing

    step = transition(event, action, actor=who(case.actor), **details)

    assert (step.action, step.actor, step.to_state) == (action, who(case.actor), case.to)
    assert (event.state, event.version) == (case.to, version + 1)
    assert AuditEntry.objects.filter(action=f"cases.{action}", object_id=str(event.pk)).exists()
    with pytest.raises(case.again):
        transition(event, action, actor=who(case.actor), **details)


@pytest.fixture
def boss(person, police, civil_affairs):
    """A county centre who also handles for both departments: authorised for every action,
    so only the state can stop them."""
    return person(
        "boss",
        "county_centre",
        personas.COUNTY,
        None,
        ("department_handler", personas.COUNTY, police),
        ("department_handler", personas.COUNTY, civil_affairs),
    )


def test_illegal_states_are_refused_with_the_actions_possible_now(story, boss):
    handled = story.handled()
    assert allowed_actions(handled, boss) == ["verify", "rework"]
    # Resolving on the spot belongs to grid staff alone (checked in the matrix above).
    for action in TRANSITIONS:
        if action in ("verify", "rework", "resolve"):
            continue
        with pytest.raises(IllegalTransition) as error:
            transition(handled, action, actor=boss)
        assert error.value.allowed == ["verify", "rework"], action
        assert error.value.state == State.HANDLED

    reported = story.reported()
    for action in ("verify", "rework"):
        with pytest.raises(IllegalTransition) as error:
            transition(reported, action, actor=boss)
        assert error.value.allowed == ["accept", "reject", "merge", "escalate"]


def test_actions_belong_to_levels(story, person):
    at_grid = story.reported(level=Level.GRID)
    # Grid staff do not turn a request away; a centre does not resolve on the spot.
    with pytest.raises(IllegalTransition) as error:
        act(at_grid, "reject", "worker_a", reason="x")
    assert error.value.allowed == ["accept", "merge", "resolve", "escalate"]
    act(at_grid, "accept", "worker_a")
    # A grid has no departments to dispatch to, even when a centre steps in.
    with pytest.raises(IllegalTransition):
        act(at_grid, "dispatch", "township", lead=story.police)
    at_county = story.reported(level=Level.COUNTY)
    county = person("county", "county_centre", personas.COUNTY)
    with pytest.raises(IllegalTransition):  # nowhere higher to go
        act(at_county, "escalate", county)
    with pytest.raises(PermissionDenied):  # the township no longer holds it
        act(at_county, "accept", "township")


def test_four_eyes_the_one_who_resolved_does_not_verify(story):
    event = story.reported(level=Level.GRID)
    act(event, "resolve", "worker_a", evidence="当场调解")
    with pytest.raises(PermissionDenied):
        act(event, "verify", "worker_a")
    assert allowed_actions(event, user("worker_a")) == []
    act(event, "verify", "cadre")
    assert event.state == State.VERIFIED


def test_nobody_approves_their_own_request(story, township_b):
    event = story.accepted()
    act(event, "request_extension", "township", amount=1, reason="需协调")
    with pytest.raises(PermissionDenied):
        act(event, "approve_extension", "township")
    act(event, "approve_extension", township_b)


def test_missing_or_wrong_details_name_the_field(story):
    event = story.reported()
    with pytest.raises(ValidationError) as error:
        act(event, "reject", "township")
    assert "reason" in error.value.message_dict
    accepted = story.accepted()
    with pytest.raises(ValidationError) as error:
        act(accepted, "dispatch", "township", lead=999_999)
    assert "lead" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        act(accepted, "request_extension", "township", amount=0, reason="x")
    assert "amount" in error.value.message_dict
    with pytest.raises(ValueError):
        act(accepted, "accept_all", "township")  # not an action: a programming error
    with pytest.raises(TypeError):
        act(story.reported(), "accept", "township", colour="red")  # a detail it does not take
    assert accepted.version == Event.objects.get(pk=accepted.pk).version
