"""Exactly-once actions: a retried action with the same Idempotency-Key returns the first
result; a stale version (If-Match) is refused."""

import pytest
from django.core.exceptions import ValidationError

from gridgov.cases.models import ActionReceipt, Event, EventStep
from gridgov.cases.workflow import VersionConflict, transition
from gridgov.testing.cases import act, user


def test_a_retried_action_returns_the_first_result(story):
    event = story.reported()
    first = transition(event, "accept", actor=user("township"), idempotency_key="k-1")
    version = event.version
    again = transition(event, "accept", actor=user("township"), idempotency_key="k-1")
    assert again.pk == first.pk
    assert event.version == version
    assert EventStep.objects.filter(event=event, action="accept").count() == 1
    # Still the first result after the case has moved on.
    act(event, "dispatch", "township", lead=story.police)
    late = transition(event, "accept", actor=user("township"), idempotency_key="k-1")
    assert late.pk == first.pk and event.state == "dispatched"


def test_a_key_is_one_action_of_one_person(story, township_b):
    event = story.reported()
    transition(event, "accept", actor=user("township"), idempotency_key="k-2")
    with pytest.raises(ValidationError) as error:
        transition(
            event,
            "dispatch",
            actor=user("township"),
            idempotency_key="k-2",
            lead=story.police,
        )
    assert "idempotency_key" in error.value.message_dict
    other = story.reported()
    transition(other, "accept", actor=township_b, idempotency_key="k-2")  # another person
    assert ActionReceipt.objects.filter(key="k-2").count() == 2


def test_a_stale_version_is_refused_and_the_current_one_accepted(story):
    event = story.reported()
    read = event.version
    act(event, "accept", "township")
    with pytest.raises(VersionConflict) as error:
        transition(
            event, "dispatch", actor=user("township"), expected_version=read, lead=story.police
        )
    assert error.value.current_version == event.version == read + 1
    transition(
        event,
        "dispatch",
        actor=user("township"),
        expected_version=event.version,
        lead=story.police,
    )
    assert Event.objects.get(pk=event.pk).version == read + 2
