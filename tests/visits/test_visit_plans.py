"""Visit plans: the interval each household follows (per tag, per housing rating, ordinary),
the next due date from the last visit, and overdue households, on a frozen clock."""

from datetime import date, timedelta

from django.core.management import call_command
from visits_clock import NOW, REGISTERED, TODAY

from gridgov.registry.choices import ResidenceStatus, Tag
from gridgov.registry.models import PopulationTag, TagRule
from gridgov.registry.privacy import SENSITIVE_TAG_LABEL
from gridgov.testing import personas
from gridgov.visits import actions, queries
from gridgov.visits.models import VisitNorm, VisitPlan
from gridgov.visits.plans import refresh_plans

REGISTERED_DAY = REGISTERED.date()


def _plan(household) -> VisitPlan:
    refresh_plans([household])
    return VisitPlan.objects.get(household=household)


def test_elderly_living_alone_are_visited_weekly(households):
    plan = _plan(households["household_1b"])  # 施成富, elderly living alone
    assert plan.interval_days == 7
    assert plan.why == "tag:elderly_alone"
    assert queries.why_label(plan) == "独居老人"
    assert plan.next_due == REGISTERED_DAY + timedelta(days=7)


def test_an_empty_household_is_an_ordinary_household_visited_quarterly(households):
    plan = _plan(households["other_household_b"])
    assert (plan.interval_days, plan.why) == (90, "household:ordinary")
    assert queries.why_label(plan) == "普通户"
    assert plan.next_due == REGISTERED_DAY + timedelta(days=90)


def test_a_key_person_makes_the_household_monthly_and_the_reason_is_masked(households):
    plan = _plan(households["household_2"])  # 隆德明, key petitioner
    assert plan.interval_days == 30
    assert plan.why_private
    assert queries.why_label(plan) == SENSITIVE_TAG_LABEL
    assert queries.plan_view(plan)["why"] == ""
    assert "上访" not in queries.plan_view(plan)["why_label"]


def test_a_childs_tag_is_masked_too(households):
    # 龙建国 (released prisoner, 30 days) and 龙小燕 (8, left-behind child, 30 days).
    plan = _plan(households["household_1"])
    assert plan.interval_days == 30
    assert plan.why_private
    assert queries.why_label(plan) in (SENSITIVE_TAG_LABEL, "****")
    assert "留守儿童" not in queries.why_label(plan)
    assert "刑满释放" not in queries.why_label(plan)


def test_the_county_sets_the_norm_per_tag(households):
    TagRule.objects.create(tag=Tag.ELDERLY_ALONE, visit_interval_days=14)
    assert _plan(households["household_1b"]).interval_days == 14


def test_the_county_sets_the_norm_of_ordinary_households(households):
    VisitNorm.objects.create(norm="ordinary", visit_interval_days=60)
    plan = _plan(households["other_household_b"])
    assert plan.interval_days == 60
    assert plan.next_due == REGISTERED_DAY + timedelta(days=60)


def test_a_dangerous_house_is_visited_weekly(households):
    household = households["other_household_b"]
    household.housing_safety = "D"
    household.save(update_fields=["housing_safety"])
    plan = _plan(household)
    assert (plan.interval_days, plan.why) == (7, "household:housing_D")
    assert queries.why_label(plan) == "D级危房户"


def test_ended_tags_and_people_who_moved_out_no_longer_count(households, register):
    PopulationTag.objects.filter(resident=register.residents["elder_1"]).update(
        end_date=TODAY - timedelta(days=1)
    )
    assert _plan(households["household_1b"]).interval_days == 90
    PopulationTag.objects.filter(resident=register.residents["elder_1"]).update(end_date=None)
    register.residents["elder_1"].residence_status = ResidenceStatus.MOVED_OUT
    register.residents["elder_1"].save(update_fields=["residence_status"])
    assert _plan(households["household_1b"]).interval_days == 90


def test_a_visit_moves_the_next_due_date(households):
    household = households["household_1b"]
    _plan(household)
    actions.record_visit(actor=personas.persona("worker_a"), household=household)
    plan = VisitPlan.objects.get(household=household)
    assert plan.last_visit_at == NOW
    assert plan.next_due == TODAY + timedelta(days=7)


def test_overdue_per_tag_as_the_days_pass(households, clock):
    refresh_plans(households.values())
    worker = personas.persona("worker_a")

    def overdue_keys():
        found = {plan.household_id for plan in queries.overdue_plans(worker)}
        return {key for key, household in households.items() if household.pk in found}

    # On 1 March both grid-1 households are past due: weekly since 11 January, monthly
    # since 3 February; the ordinary ones of other grids are not the worker's.
    assert overdue_keys() == {"household_1", "household_1b"}
    actions.record_visit(actor=worker, household=households["household_1b"])
    actions.record_visit(actor=worker, household=households["household_1"])
    assert overdue_keys() == set()
    clock(NOW + timedelta(days=8))  # a week and a day later
    assert overdue_keys() == {"household_1b"}
    clock(NOW + timedelta(days=31))
    assert overdue_keys() == {"household_1b", "household_1"}


def test_most_overdue_come_first(households):
    refresh_plans(households.values())
    plans = list(queries.overdue_plans(personas.persona("cadre")))
    days = [queries.plan_view(plan)["days_overdue"] for plan in plans]
    assert days == sorted(days, reverse=True)
    assert days[0] == (TODAY - (REGISTERED_DAY + timedelta(days=7))).days


def test_the_command_refreshes_plans_after_tags_change(households, register):
    refresh_plans(households.values())
    household = households["other_household_b"]
    assert VisitPlan.objects.get(household=household).interval_days == 90
    # A tag added in the register (no visit, no action of ours) reaches the plan through the
    # nightly refresh or the command.
    resident = register.residents["other_adult"]
    resident.household = household
    resident.save(update_fields=["household"])
    call_command("visits", "plans", "--within", personas.OTHER_GRID)
    assert VisitPlan.objects.get(household=household).interval_days == 30


def test_a_new_household_has_a_plan_before_the_first_refresh(households):
    from gridgov.visits.plans import plan_for

    plan = plan_for(households["household_1b"])
    assert plan.pk is None
    assert plan.next_due == REGISTERED_DAY + timedelta(days=7)
    assert date(2027, 1, 11) == plan.next_due


def test_the_register_s_actions_move_the_plan_at_once(households, register):
    """A tag added or ended, a person moving in, a house re-rated: the plan follows in the
    same transaction, without waiting for the nightly refresh."""
    from gridgov.registry import actions as registry_actions

    refresh_plans(households.values())
    outsider = personas.persona("outsider")
    household = households["other_household_b"]
    assert VisitPlan.objects.get(household=household).interval_days == 90

    registry_actions.move_resident(
        actor=outsider, resident=register.residents["other_adult"], to_household=household
    )
    assert VisitPlan.objects.get(household=household).interval_days == 30  # a key person

    tag = PopulationTag.objects.get(resident=register.residents["other_adult"])
    registry_actions.end_tag(actor=outsider, tag=tag, end_date=TODAY - timedelta(days=1))
    assert VisitPlan.objects.get(household=household).interval_days == 90

    registry_actions.add_tag(
        actor=outsider,
        resident=register.residents["other_adult"],
        tag=Tag.ELDERLY_ALONE,
        start_date=TODAY,
    )
    assert VisitPlan.objects.get(household=household).interval_days == 7

    registry_actions.update_household(
        actor=outsider,
        household=households["other_household"],
        changes={"housing_safety": "D"},
    )
    assert VisitPlan.objects.get(household=households["other_household"]).interval_days == 7
