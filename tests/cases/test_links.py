"""Linking events to the register: who may, what the timeline says (a child's name masked),
no duplicates, and the household card's list of events."""

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404

from gridgov.accounts.models import AuditEntry
from gridgov.cases import links
from gridgov.cases.models import EventLink
from gridgov.cases.workflow import PermissionDenied
from gridgov.testing.cases import report
from gridgov.testing.personas import GRID_2


@pytest.fixture
def event(clock):
    return report("worker_a")


def test_a_worker_links_a_household_of_their_grid(event, register, user_of):
    household = register.households["household_1"]

    link, created = links.link(actor=user_of("worker_a"), event=event, target=household)

    assert created
    assert (link.event, link.household, link.target_kind) == (event, household, "household")
    assert link.created_by == user_of("worker_a")
    step = event.steps.get(action="link")
    assert step.note == "关联户 household: 十八洞村梨子寨 1"
    assert step.details == {"kind": "household", "uuid": str(household.uuid)}
    assert step.from_state == step.to_state == event.state
    entry = AuditEntry.objects.get(action="cases.link")
    assert (entry.object_type, entry.region_code) == ("cases.eventlink", event.region_code)
    event.refresh_from_db()
    assert event.version == 1  # a link is not a change of the event's state


def test_linking_again_returns_the_same_link(event, register, user_of):
    resident = register.residents["adult_1"]
    first, _ = links.link(actor=user_of("worker_a"), event=event, target=resident)

    again, created = links.link(actor=user_of("cadre"), event=event, target=resident)

    assert (again, created) == (first, False)
    assert event.links.count() == 1
    assert event.steps.filter(action="link").count() == 1


def test_the_timeline_masks_a_childs_name(event, register, user_of):
    links.link(actor=user_of("worker_a"), event=event, target=register.residents["child_1"])
    links.link(actor=user_of("worker_a"), event=event, target=register.residents["adult_1"])

    notes = list(event.steps.filter(action="link").values_list("note", flat=True))

    assert notes == ["关联人员 resident: 龙**", "关联人员 resident: 龙建国"]
    assert not AuditEntry.objects.filter(after__label="龙小燕").exists()
    assert "龙小燕" not in str(list(AuditEntry.objects.values_list("after", "object_repr")))


def test_places_and_organisations_are_linked_the_same_way(event, register, user_of):
    township = user_of("township")
    place, _ = links.link(actor=township, event=event, target=register.places["place_1"])
    organisation, _ = links.link(
        actor=township, event=event, target=register.organisations["organisation_1"]
    )

    assert [link.target_kind for link in links.links_of(event)] == ["place", "organisation"]
    assert [view["label"] for view in map(links.link_view, links.links_of(event))] == [
        "梨子寨水井",
        "十八洞村猕猴桃合作社",
    ]
    assert place.place == register.places["place_1"]
    assert organisation.organisation == register.organisations["organisation_1"]


@pytest.mark.parametrize(
    ("username", "record", "refusal"),
    [
        ("worker_b", "household_1", Http404),  # cannot see the event
        ("outsider", "household_1", Http404),
        ("worker_a", "household_2", Http404),  # sees the event, not the household
        ("worker_a", "other_household", Http404),
        ("leader", "household_1", PermissionDenied),  # sees both, only looks
        ("admin", "household_1", PermissionDenied),
    ],
)
def test_who_may_not_link(username, record, refusal, event, register, user_of):
    with pytest.raises(refusal):
        links.link(actor=user_of(username), event=event, target=register.households[record])

    assert not EventLink.objects.exists()
    assert not event.steps.filter(action="link").exists()


def test_a_department_handler_cannot_reach_the_register(story, register, user_of):
    event = story.in_progress()

    with pytest.raises(Http404):
        links.link(actor=user_of("handler"), event=event, target=register.households["household_1"])


def test_unlinking_is_written_to_the_timeline(event, register, user_of):
    link, _ = links.link(
        actor=user_of("worker_a"), event=event, target=register.residents["child_1"]
    )

    links.unlink(actor=user_of("cadre"), link=link)

    assert not event.links.exists()
    step = event.steps.get(action="unlink")
    assert (step.actor, step.note) == (user_of("cadre"), "取消关联人员 resident: 龙**")
    assert AuditEntry.objects.get(action="cases.unlink").before["label"] == "龙**"


def test_a_leader_may_not_unlink(event, register, user_of):
    link, _ = links.link(
        actor=user_of("worker_a"), event=event, target=register.households["household_1"]
    )

    with pytest.raises(PermissionDenied):
        links.unlink(actor=user_of("leader"), link=link)
    with pytest.raises(Http404):
        links.unlink(actor=user_of("worker_b"), link=link)

    assert event.links.count() == 1


def test_a_link_points_at_exactly_one_record(event, register):
    household = register.households["household_1"]
    resident = register.residents["adult_1"]

    with pytest.raises(IntegrityError), transaction.atomic():
        EventLink.objects.create(event=event, household=household, resident=resident)
    with pytest.raises(IntegrityError), transaction.atomic():
        EventLink.objects.create(event=event)
    EventLink.objects.create(event=event, household=household)
    with pytest.raises(IntegrityError), transaction.atomic():
        EventLink.objects.create(event=event, household=household)


def test_the_household_card_lists_the_events_its_user_may_see(register, user_of, clock):
    household = register.households["household_1"]
    township = user_of("township")
    about_house = report("worker_a", title="房屋漏雨")
    about_child = report("worker_a", title="留守儿童辍学风险")
    elsewhere = report("worker_b", title="竹子寨道路塌方", grid_code=GRID_2)
    unrelated = report("worker_a", title="垃圾清运")
    links.link(actor=township, event=about_house, target=household)
    links.link(actor=township, event=about_child, target=register.residents["child_1"])
    links.link(actor=township, event=elsewhere, target=household)
    links.link(actor=township, event=unrelated, target=register.households["household_1b"])

    def titles(username: str) -> set[str]:
        events = links.events_linked_to_household(user_of(username), household)
        return set(events.values_list("title", flat=True))

    assert titles("worker_a") == {"房屋漏雨", "留守儿童辍学风险"}
    assert titles("township") == {"房屋漏雨", "留守儿童辍学风险", "竹子寨道路塌方"}
    assert titles("leader") == {"房屋漏雨", "留守儿童辍学风险", "竹子寨道路塌方"}
    assert titles("worker_b") == set()  # the household is not theirs to see
    assert titles("outsider") == set()


def test_a_client_names_the_record_by_kind_and_uuid(register, user_of):
    child = register.residents["child_1"]
    worker_a, worker_b = user_of("worker_a"), user_of("worker_b")

    assert links.target_for(worker_a, "resident", child.uuid) == child
    with pytest.raises(Http404):
        links.target_for(worker_b, "resident", child.uuid)  # not theirs to see
    with pytest.raises(Http404):
        links.target_for(worker_a, "household", child.uuid)  # no household has that UUID
    with pytest.raises(Http404):
        links.target_for(worker_a, "event", child.uuid)
