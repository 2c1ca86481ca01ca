"""Demo visits (走访) and work-log entries (民情日志) around 十八洞村.

A few hundred households of 十八洞村 and the rest of 双龙镇 are visited by the demo logins
(the grid worker in their grid, the grid leader in the village, the township centre
elsewhere in the township) on days spread over the last 90 days, through
`visits.actions.record_visit`, which takes the visit's date; some households are visited
twice. The visit plans of the whole township are then brought up to date
(`visits.plans.refresh_all`), so households with a monthly or weekly norm whose last visit
is long ago show up as overdue. The logins also write some entries in their work log. Nothing
is added when any visit exists already.
"""

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from gridgov.accounts import audit
from gridgov.accounts.models import User
from gridgov.cases import calendar
from gridgov.demo.events import DEFAULT_SCALE, FEATURED_GRID, FEATURED_TOWNSHIP, FEATURED_VILLAGE
from gridgov.regions.models import Region
from gridgov.registry.models import Household
from gridgov.visits import actions, plans
from gridgov.visits.choices import VisitKind, WorkLogKind
from gridgov.visits.models import Visit, VisitPlan, WorkLogEntry

HOUSEHOLDS_AT_DEFAULT_SCALE = 300
MINIMUM_HOUSEHOLDS = 100
MAXIMUM_HOUSEHOLDS = 1200
DAYS_BACK = 90
WORKLOG_ENTRIES = 24

FINDINGS = {
    VisitKind.ROUTINE: (
        ("家中情况正常，老人身体尚好。", "", "宣传了医保缴费政策。"),
        ("房屋屋顶有少量漏雨。", "需要修缮屋顶", "已登记，报村里协调。"),
        ("家中两人外出务工，留守老人独自在家。", "希望子女常打电话", "留下网格员联系方式。"),
        ("户内人员无变化。", "", "核对了户籍信息。"),
        ("老人反映用水不便。", "希望接通自来水", "已向村委会反映。"),
    ),
    VisitKind.SERVICE_DELIVERY: (
        ("老人行动不便。", "代办高龄补贴", "已收取材料代为办理。"),
        ("残疾证到期。", "代办残疾证年审", "已代为提交年审材料。"),
        ("孩子入学咨询。", "了解就近入学政策", "已讲解政策并联系学校。"),
    ),
    VisitKind.POVERTY_MONITORING: (
        ("家庭收入稳定，两人在外务工。", "", "核对了务工收入。"),
        ("户主今年住院两次，医疗支出较大。", "医疗救助", "已告知大病救助申请流程。"),
        ("猕猴桃收成较往年减少。", "产业帮扶", "联系合作社提供技术指导。"),
    ),
}

WORKLOG = {
    WorkLogKind.MEETING: ("参加村民小组会议", "组内议定环境卫生公约。"),
    WorkLogKind.INSPECTION: ("汛期地质灾害点巡查", "巡查后山滑坡隐患点，未见新增裂缝。"),
    WorkLogKind.PUBLICITY: ("医保缴费政策宣传", "入户发放宣传资料，讲解缴费时间。"),
    WorkLogKind.TRAINING: ("参加网格员业务培训", "学习事件上报与核查流程。"),
    WorkLogKind.MEDIATION: ("调解邻里排水沟纠纷", "双方同意共同出工疏通排水沟。"),
    WorkLogKind.OTHER: ("协助开展人口信息核查", "核对户籍与常住人口信息。"),
}


@dataclass
class VisitsSummary:
    """What the visits step added."""

    visits: int = 0
    households: int = 0
    worklog_entries: int = 0
    plans_overdue: int = 0
    skipped: bool = False

    def lines(self) -> list[str]:
        if self.skipped:
            return ["visits: recorded 0 (the demo has visits already)"]
        return [
            f"visits: recorded {self.visits} in {self.households} households, "
            f"work log: {self.worklog_entries} entries, overdue visit plans: {self.plans_overdue}"
        ]


def household_count(scale: float) -> int:
    wanted = round(HOUSEHOLDS_AT_DEFAULT_SCALE * scale / DEFAULT_SCALE)
    return max(MINIMUM_HOUSEHOLDS, min(MAXIMUM_HOUSEHOLDS, wanted))


def _logins() -> dict[str, User]:
    return {
        user.username: user
        for user in User.objects.filter(
            username__in=["grid_worker", "grid_leader", "village_cadre", "township_centre"]
        )
    }


def _visitor(logins: dict[str, User], code: str) -> User | None:
    if code == FEATURED_GRID:
        return logins.get("grid_worker")
    if code.startswith(FEATURED_VILLAGE):
        return logins.get("grid_leader")
    return logins.get("township_centre")


def _moment(rng: random.Random, days_ago: int) -> datetime:
    """A daytime moment in Xiangxi `days_ago` days ago, on a working day if possible."""
    day = timezone.localdate() - timedelta(days=days_ago)
    if not calendar.is_working_day(day) and rng.random() < 0.8:
        day -= timedelta(days=1 if day.weekday() == 5 else 2)
    clock = time(rng.randint(8, 17), rng.randint(0, 59))
    moment = datetime.combine(day, clock, tzinfo=calendar.SHANGHAI)
    return min(moment, timezone.now() - timedelta(minutes=5))


def add_visits(
    *,
    scale: float,
    seed: int,
    root: str = "4331",
    progress: Callable[[int, int], None] | None = None,
) -> VisitsSummary:
    """Record the demo's visits and work-log entries, unless there are visits already."""
    if Visit.objects.exists() or WorkLogEntry.objects.exists():
        return VisitsSummary(skipped=True)
    with transaction.atomic():
        return _add_visits(scale=scale, seed=seed, root=root, progress=progress)


def _add_visits(*, scale, seed, root, progress) -> VisitsSummary:
    rng = random.Random(f"{seed}:visits")
    summary = VisitsSummary()
    area = FEATURED_TOWNSHIP if FEATURED_TOWNSHIP.startswith(root) else root
    if not area.startswith(FEATURED_TOWNSHIP):
        return summary  # the demo logins work in 双龙镇 only
    logins = _logins()
    # 十八洞村 first, then its neighbours in the township.
    households = list(
        Household.objects.within(area)
        .order_by("pk")
        .values_list("pk", "region_code", "latitude", "longitude")
    )
    households.sort(key=lambda row: (not row[1].startswith(FEATURED_VILLAGE), row[0]))
    chosen = [row for row in households[: household_count(scale)] if _visitor(logins, row[1])]
    total = len(chosen)
    for done, (pk, code, latitude, longitude) in enumerate(chosen, start=1):
        household = Household.objects.get(pk=pk)
        visits = 2 if rng.random() < 0.2 else 1
        for days_ago in sorted(rng.sample(range(1, DAYS_BACK + 1), visits), reverse=True):
            kind = rng.choices(
                (VisitKind.ROUTINE, VisitKind.SERVICE_DELIVERY, VisitKind.POVERTY_MONITORING),
                weights=(70, 15, 15),
            )[0]
            findings, needs, services = rng.choice(FINDINGS[kind])
            position = {}
            if latitude is not None and longitude is not None:
                position = {
                    "latitude": latitude + rng.uniform(-0.0002, 0.0002),
                    "longitude": longitude + rng.uniform(-0.0002, 0.0002),
                }
            actions.record_visit(
                actor=_visitor(logins, code),
                uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                household=household,
                visited_at=_moment(rng, days_ago),
                kind=kind,
                findings=findings,
                needs_found=needs,
                services_delivered=services,
                **position,
            )
            summary.visits += 1
        summary.households += 1
        if progress is not None:
            progress(done, total)
    summary.worklog_entries = _add_worklog(rng, logins)
    plans.refresh_all(within=area)
    summary.plans_overdue = (
        VisitPlan.objects.within(area).filter(next_due__lt=timezone.localdate()).count()
    )
    audit.record(
        actor=None,
        action="demo.create_visits",
        region_code=area,
        after={
            "visits": summary.visits,
            "households": summary.households,
            "worklog_entries": summary.worklog_entries,
            "seed": seed,
        },
    )
    return summary


def _add_worklog(rng: random.Random, logins: dict[str, User]) -> int:
    places = {
        "grid_worker": FEATURED_GRID,
        "grid_leader": FEATURED_VILLAGE,
        "village_cadre": FEATURED_VILLAGE,
        "township_centre": FEATURED_TOWNSHIP,
    }
    regions = {code: Region.objects.get(code=code) for code in set(places.values())}
    authors = [name for name in places if name in logins]
    written = 0
    for _ in range(WORKLOG_ENTRIES if authors else 0):
        author = rng.choice(authors)
        kind = rng.choice(list(WORKLOG))
        title, text = WORKLOG[kind]
        actions.record_worklog_entry(
            actor=logins[author],
            uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
            region=regions[places[author]],
            title=title,
            kind=kind,
            date=timezone.localdate() - timedelta(days=rng.randint(0, DAYS_BACK)),
            text=text,
            people_reached=rng.randint(0, 40) if kind != WorkLogKind.INSPECTION else 0,
        )
        written += 1
    return written
