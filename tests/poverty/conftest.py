"""Fixtures for the poverty tests: a frozen clock, JSON API clients per persona, and
`monitoring`, a few records built through the actions (found households, measures,
reviews) around the test register's households."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.test import Client

from gridgov.cases.calendar import SHANGHAI
from gridgov.poverty import actions
from gridgov.poverty.models import (
    AssistanceMeasure,
    MonitoredHousehold,
    RiskReview,
)
from gridgov.testing.personas import persona
from gridgov.testing.register import Register

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
YEAR = 2025


@pytest.fixture
def clock(time_machine, db):
    time_machine.move_to(NOW, tick=False)
    return NOW


class JsonClient(Client):
    """A test client whose bodies are JSON, for every method."""

    def generic(self, method, path, data="", content_type="application/json", **extra):
        if not isinstance(data, str | bytes):
            data = json.dumps(data, default=str)
        return super().generic(method, path, data, content_type=content_type, **extra)

    def post(self, path, data=None, **extra):
        return self.generic("POST", path, data or {}, **extra)

    def put(self, path, data=None, **extra):
        return self.generic("PUT", path, data or {}, **extra)


@pytest.fixture
def api(db):
    """`api("worker_a").put("/api/poverty/…", {...})`: signed in as that persona (or as
    nobody, with None)."""

    def make(who) -> JsonClient:
        client = JsonClient()
        if who is not None:
            client.force_login(persona(who) if isinstance(who, str) else who)
        return client

    return make


@dataclass
class Monitoring:
    register: Register
    monitored_1: MonitoredHousehold  # household_1, grid 1, found by worker_a
    monitored_other: MonitoredHousehold  # other_household, 吉首市
    measure_1: AssistanceMeasure
    measure_other: AssistanceMeasure
    review_1: RiskReview  # household_1b, pending
    review_other: RiskReview


def _other_monitored(register: Register) -> MonitoredHousehold:
    # Nobody in the personas both reports and sees 吉首市 (its county centre approves):
    # the record is written straight, as a grid worker there would have made it.
    household = register.households["other_household"]
    return MonitoredHousehold.objects.create(
        household=household,
        region_code=household.region_code,
        category="marginal_at_risk",
        risk_types=["illness"],
        helper_name="石光明",
        helper_phone="13974300000",
    )


def _review(household, rule="unsafe_house", key="housing:D") -> RiskReview:
    return RiskReview.objects.create(
        household=household,
        region_code=household.region_code,
        rule=rule,
        cause_key=key,
        reason="住房安全等级为 D 级 The house is rated D (not safe).",
        risk_type="other",
    )


@pytest.fixture
def monitoring(db, register, clock) -> Monitoring:
    monitored_1, _ = actions.find_household(
        actor=persona("worker_a"),
        household=register.households["household_1"],
        category="unstable_exited",
        risk_types=["illness", "lack_of_labour"],
        note="户主患病，劳动力不足",
        helper_name="杨帮扶",
        helper_phone="13812345678",
    )
    measure_1, _ = actions.add_measure(
        actor=persona("worker_a"),
        monitored=monitored_1,
        kind="health",
        description="申请大病救助",
        responsible_name="杨帮扶",
        responsible_phone="13812345678",
        amount=Decimal("3000"),
        start_date=date(2026, 3, 1),
    )
    monitored_other = _other_monitored(register)
    measure_other = AssistanceMeasure.objects.create(
        monitored=monitored_other,
        region_code=monitored_other.region_code,
        kind="employment",
        description="公益性岗位",
        responsible_name="石光明",
        start_date=date(2026, 1, 1),
    )
    return Monitoring(
        register=register,
        monitored_1=monitored_1,
        monitored_other=monitored_other,
        measure_1=measure_1,
        measure_other=measure_other,
        review_1=_review(register.households["household_1b"]),
        review_other=_review(register.households["other_household"]),
    )
