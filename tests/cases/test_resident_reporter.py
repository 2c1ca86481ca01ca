"""A resident without an account: reports through the public page, and rates or reopens
their own request with the tracking code they were given, and nothing else."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from gridgov.cases import actions, workflow
from gridgov.cases.choices import Source, State
from gridgov.regions.models import Region
from gridgov.testing import personas


def _resident_report(**fields):
    fields.setdefault("source", Source.RESIDENT_WEB)
    return actions.report_event(
        actor=None,
        uuid=fields.pop("uuid", None) or uuid.uuid4(),
        title="路灯不亮",
        category="dispute.neighbour",
        grid=Region.objects.get(code=personas.GRID_1),
        reporter_name="龙先生",
        reporter_phone="13812341234",
        **fields,
    )


@pytest.mark.django_db
def test_a_resident_report_waits_at_its_grid_with_no_account_behind_it(clock):
    event, created = _resident_report()
    assert created and event.reporter_id is None and event.state == State.REPORTED
    assert event.steps.get().actor_label == "群众 resident"
    assert len(event.tracking_code) == 12


@pytest.mark.django_db
def test_a_retry_from_the_resident_page_returns_the_first_request(clock):
    key = uuid.uuid4()
    first, _ = _resident_report(uuid=key)
    again, created = _resident_report(uuid=key)
    assert again.pk == first.pk and not created


@pytest.mark.django_db
def test_without_an_account_only_resident_sources_are_taken(clock):
    with pytest.raises(PermissionDenied):
        _resident_report(source=Source.GRID_WORKER)


@pytest.mark.django_db
def test_the_tracking_code_lets_the_resident_rate_their_own_closed_request(story):
    event = story.closed()
    event.reporter, event.source = None, Source.RESIDENT_WEB
    event.save()
    resident = workflow.ResidentReporter(event.tracking_code.lower())
    assert workflow.allowed_actions(event, resident) == ["rate", "reopen"]
    step = workflow.transition(event, "rate", actor=resident, score=4, comment="修好了")
    assert event.satisfaction == 4
    assert step.actor is None and step.actor_label == "群众 resident"
    assert step.details == {"score": 4, "on_behalf": False}


@pytest.mark.django_db
def test_another_code_sees_nothing_and_a_resident_takes_no_staff_action(story):
    event = story.closed()
    other = story.closed(title="另一件")
    with pytest.raises(Http404):
        workflow.transition(event, "rate", actor=workflow.ResidentReporter(other.tracking_code))
    handled = story.handled(title="第三件")
    with pytest.raises(workflow.PermissionDenied):
        workflow.transition(
            handled, "verify", actor=workflow.ResidentReporter(handled.tracking_code)
        )
