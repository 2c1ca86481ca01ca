"""Demo events (事件): a living case load, made the way users make it.

About 150 events at the default scale (at least 60), most of them in 花垣县 around the demo
logins (十八洞村 and 双龙镇), the rest in other villages and counties. Every event is
reported with `cases.actions.report_event` by a grid worker and taken through the workflow
with `cases.workflow.transition` by the people whose turn it is: escalated, accepted,
dispatched to the county's departments, handled, verified, closed and rated; a couple are
suspended, one waits for an extension, one for a return. The clock is never touched:
before each action, what has happened to the event so far is moved back a few working days
(its timestamps and deadlines, one UPDATE of the event and one of each kind of row written
with it), and after the last one by the event's age. The supervision sweep
(`cases.supervision.apply_cards`) then hands out the yellow and red cards of the events now
overdue, as it would have in real life.

The people outside 十八洞村 who report and handle events are demo staff made with
`accounts.actions`, without a password: they cannot sign in and are not demo logins.
Nothing is added when any event exists already, so running the demo again changes nothing.
"""

import bisect
import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from gridgov.accounts import actions as account_actions
from gridgov.accounts import audit
from gridgov.accounts.choices import DepartmentKind
from gridgov.accounts.models import Department, User
from gridgov.accounts.roles import Role
from gridgov.cases import actions as case_actions
from gridgov.cases import calendar, links, supervision, workflow
from gridgov.cases.choices import Card, EmergencyGrade, Level, State, Urgency
from gridgov.cases.models import (
    ApprovalRequest,
    Category,
    Event,
    EventAssignment,
    EventStep,
    Notification,
)
from gridgov.demo import names
from gridgov.regions.choices import GRID_PARENT_LEVELS
from gridgov.regions.models import Region
from gridgov.registry.models import Household

EVENTS_AT_DEFAULT_SCALE = 150
DEFAULT_SCALE = 0.02
MINIMUM_EVENTS = 60
MAXIMUM_EVENTS = 1500

FEATURED_GRID = "433124110226001"  # the grid_worker's grid in 十八洞村
FEATURED_VILLAGE = FEATURED_GRID[:12]
FEATURED_TOWNSHIP = FEATURED_GRID[:9]  # 双龙镇
FEATURED_COUNTY = FEATURED_GRID[:6]  # 花垣县

# Where the events happen: (share, the area, how many villages of it take part).
AREAS = (
    (0.30, FEATURED_GRID, 1),
    (0.08, FEATURED_VILLAGE, 2),
    (0.22, FEATURED_TOWNSHIP, 4),
    (0.20, FEATURED_COUNTY, 4),
    (0.20, "4331", 7),
)


@dataclass(frozen=True)
class Template:
    """A kind of matter grid workers report, in their words."""

    category: str
    title: str
    description: str


TEMPLATES = (
    Template(
        "dispute.neighbour",
        "邻里因排水沟发生争执",
        "两户村民因屋后排水沟改道发生口角，雨天积水流入邻家院坝。",
    ),
    Template(
        "dispute.neighbour",
        "邻居修建围墙占用公共通道",
        "村民新砌围墙占用组内公共通道约半米，邻居出行不便，双方争执。",
    ),
    Template(
        "dispute.family",
        "老人赡养问题引发家庭矛盾",
        "兄弟三人对赡养八旬母亲的费用分摊意见不一，老人情绪低落。",
    ),
    Template(
        "dispute.family",
        "夫妻感情不和多次争吵",
        "夫妻因外出务工收入分配多次争吵，邻居反映夜间吵闹。",
    ),
    Template(
        "dispute.land",
        "承包地界址不清引发纠纷",
        "两户对山脚一块承包地的界址说法不一，双方均有种植。",
    ),
    Template(
        "dispute.homestead",
        "宅基地建房界线纠纷",
        "村民建房打地基超出原宅基地范围，与邻户发生纠纷。",
    ),
    Template(
        "dispute.labour", "务工人员工资被拖欠", "本村五名村民在县城工地务工，约三个月工资未结清。"
    ),
    Template(
        "dispute.collective_assets",
        "村集体山林收益分配有异议",
        "部分村民对集体林地流转收益的分配方案有意见。",
    ),
    Template(
        "dispute.village_affairs",
        "村民对低保评议结果有意见",
        "村民反映低保评议过程不公开，要求重新评议。",
    ),
    Template(
        "security.theft", "村民家中耕牛被盗", "村民反映夜间圈养的一头耕牛被盗，现场有车辆痕迹。"
    ),
    Template("security.theft", "电动车夜间被盗", "村民停放在院坝的电动车夜间被盗。"),
    Template("security.gambling", "有人聚众赌博", "群众反映村头小卖部后屋有人聚众打牌赌博。"),
    Template(
        "security.drugs", "发现可疑人员疑似吸毒", "群众反映有外来人员在废弃房屋内聚集，行为异常。"
    ),
    Template(
        "safety.fire", "老旧木房电线私拉乱接", "木结构民居内电线老化、私拉乱接，存在火灾隐患。"
    ),
    Template("safety.fire", "柴草堆放靠近灶房", "农户将大量柴草堆放在灶房旁，距离火源过近。"),
    Template(
        "safety.geological_hazard",
        "后山出现裂缝有滑坡风险",
        "连续降雨后后山坡体出现长约十米的裂缝，下方有三户居民。",
    ),
    Template(
        "safety.geological_hazard", "村道塌方", "通组公路一段路基塌方，长约八米，车辆无法通行。"
    ),
    Template(
        "safety.dangerous_house", "独居老人住房墙体开裂", "独居老人居住的土坯房墙体开裂，屋顶漏雨。"
    ),
    Template("safety.road", "急弯处护栏缺失", "村道急弯处护栏损毁缺失，夜间行车危险。"),
    Template("safety.road", "路边树木倒伏影响通行", "大风导致路边树木倒伏，压住半幅路面。"),
    Template("safety.food", "流动摊贩售卖无标签食品", "集市上有流动摊贩售卖无标签散装食品。"),
    Template(
        "safety.pollution", "养殖场污水直排溪沟", "山脚养殖场污水未经处理直接排入溪沟，气味刺鼻。"
    ),
    Template(
        "safety.work_safety",
        "采石场作业无防护",
        "村外小型采石场作业人员未佩戴防护用品，爆破无警戒。",
    ),
    Template("environment.garbage", "垃圾池满溢", "组内垃圾池已满，垃圾散落路边，多日未清运。"),
    Template("environment.garbage", "河边乱倒建筑垃圾", "有人在河边空地倾倒建筑垃圾。"),
    Template("environment.sewage", "生活污水横流", "寨子中间排水沟堵塞，生活污水漫到路面。"),
    Template("environment.toilets", "改厕后化粪池渗漏", "去年改造的户厕化粪池渗漏，影响邻户。"),
    Template(
        "environment.village_appearance",
        "废弃猪圈影响村容",
        "村口废弃猪圈倒塌，杂物堆积，影响村容村貌。",
    ),
    Template(
        "service.social_security",
        "老人申请高龄补贴",
        "八十岁老人咨询高龄津贴申领，需要协助准备材料。",
    ),
    Template(
        "service.medical_insurance",
        "村民医保缴费遇到困难",
        "村民因家庭困难未按时缴纳城乡居民医保，咨询资助政策。",
    ),
    Template(
        "service.education", "留守儿童辍学在家", "一名十四岁留守儿童近两周未到校，由祖母照看。"
    ),
    Template(
        "service.employment", "返乡村民求职登记", "返乡村民希望在县内就近就业，需要登记求职信息。"
    ),
    Template("service.housing", "农户申请危房改造", "农户房屋鉴定为C级，申请危房改造补助。"),
    Template(
        "service.documents", "老人身份证过期需补办", "行动不便的老人身份证过期，需要上门办理。"
    ),
    Template("service.proxy", "代办残疾证年审", "网格员为行动不便的残疾村民代办残疾证年审。"),
    Template("opinion", "村民反映自来水水压不足", "高处几户村民反映早晚用水高峰时自来水水压不足。"),
    Template("opinion", "群众希望增开赶集日班车", "群众希望赶集日增开一趟到县城的班车。"),
    Template("publicity", "防汛避险知识宣传", "汛期前组织村民学习防汛避险知识，发放明白卡。"),
    Template(
        "emergency.natural_disaster",
        "暴雨导致农田被淹",
        "夜间暴雨导致沿河十余亩稻田被淹，两户房屋进水。",
    ),
    Template(
        "emergency.accident", "农用车侧翻一人受伤", "一辆农用车在村道侧翻，驾驶员受轻伤已送医。"
    ),
)

RESULTS = {
    "dispute": "经调解双方达成一致，签订调解协议。",
    "security": "已出警核实，依法处理并加强巡逻。",
    "safety": "已现场排查，设置警示标志并完成整改。",
    "environment": "已组织清理整治，恢复整洁。",
    "service": "已协助办理完毕，群众满意。",
    "opinion": "已向群众解释并反映到相关部门。",
    "publicity": "已完成宣传，群众知晓率提高。",
    "emergency": "已处置完毕，无次生灾害。",
}


# --- The state mix --------------------------------------------------------------------------

# (scenario, share of the events, how many working days ago its last action was taken)
SCENARIOS = (
    ("reported_grid", 10, (0, 0, 1, 1, 2, 3)),
    ("reported_village", 6, (0, 1, 2, 3)),
    ("reported_township", 8, (0, 1, 2, 4)),
    ("rejected", 2, (3, 8, 20)),
    ("accepted_village", 6, (0, 0, 1, 2, 3)),
    ("accepted_township", 6, (0, 0, 1, 2, 3)),
    ("dispatched", 8, (0, 1, 2, 6)),
    ("in_progress", 12, (1, 2, 3, 4, 7, 12)),
    ("county", 3, (1, 3, 8)),
    ("handled", 8, (0, 1, 1, 2, 4)),
    ("resolved", 5, (0, 1, 3)),
    ("closed_rated", 16, (1, 3, 8, 15, 30, 45)),
    ("closed_local", 8, (1, 3, 8, 15, 30, 45)),
)
# Requests that wait for the township centre's decision: a few, not a share.
FIXED_SCENARIOS = (
    ("suspended", 2, (8, 12)),
    ("extension_pending", 1, (4,)),
    ("return_pending", 1, (1,)),
)
AGES = {name: ages for name, _share, ages in SCENARIOS + FIXED_SCENARIOS}

# Working days between an action and the one before it (at least, at most), so that a
# timeline reads like a case's life: handling takes days, escalating is done the same day.
GAPS = {
    "escalate": (0, 1),
    "accept": (0, 1),
    "reject": (0, 1),
    "dispatch": (0, 1),
    "department_accept": (0, 1),
    "report": (1, 4),
    "verify": (0, 2),
    "close": (0, 1),
    "rate": (0, 2),
    "request_suspension": (1, 3),
    "approve_suspension": (0, 1),
    "request_extension": (1, 3),
    "request_return": (0, 1),
}


@dataclass
class EventsSummary:
    """What the events step added."""

    events: int = 0
    by_state: Counter = field(default_factory=Counter)
    yellow_cards: int = 0
    red_cards: int = 0
    links: int = 0
    staff_created: int = 0
    skipped: bool = False

    def lines(self) -> list[str]:
        if self.skipped:
            return ["events: created 0 (the demo has events already)"]
        states = ", ".join(f"{state} {n}" for state, n in sorted(self.by_state.items()))
        return [
            f"events: created {self.events} ({states})",
            f"cards: yellow {self.yellow_cards}, red {self.red_cards}; "
            f"household links {self.links}; demo staff created {self.staff_created}",
        ]


def event_count(scale: float) -> int:
    wanted = round(EVENTS_AT_DEFAULT_SCALE * scale / DEFAULT_SCALE)
    return max(MINIMUM_EVENTS, min(MAXIMUM_EVENTS, wanted))


# --- Who acts -------------------------------------------------------------------------------


class Staff:
    """The people who act on the demo's events: the demo logins around 十八洞村, and
    demo staff without a password everywhere else, made on first need."""

    def __init__(self, rng: random.Random, actor=None):
        self.rng = rng
        self.actor = actor
        self.created = 0
        self._users: dict[tuple, User] = {}
        for login, role, code in (
            ("grid_worker", Role.GRID_WORKER, FEATURED_GRID),
            ("village_cadre", Role.VILLAGE_CADRE, FEATURED_VILLAGE),
            ("township_centre", Role.TOWNSHIP_CENTRE, FEATURED_TOWNSHIP),
            ("county_centre", Role.COUNTY_CENTRE, FEATURED_COUNTY),
        ):
            user = User.objects.filter(username=login, role_assignments__region_code=code).first()
            if user is not None:
                self._users[(role, code, None)] = user
        handler = User.objects.filter(
            username="department_handler", role_assignments__department__isnull=False
        ).first()
        if handler is not None:
            department = handler.role_assignments.current().first().department
            self._users[(Role.DEPARTMENT_HANDLER, department.region_code, department.pk)] = handler

    def get(self, role: str, code: str, department: Department | None = None) -> User:
        key = (role, code, department.pk if department else None)
        user = self._users.get(key)
        if user is None:
            username = f"demo-{role.replace('_', '-')}-{code}" + (
                f"-{department.kind.replace('_', '-')}" if department else ""
            )
            user = User.objects.filter(username=username).first()
            if user is None:
                user = self._create(username, role, code, department)
            self._users[key] = user
        return user

    def _create(self, username: str, role: str, code: str, department) -> User:
        ethnicity = names.peoples_of(code).pick(self.rng)
        sex = self.rng.choice("12")
        full_name = names.surname(self.rng, ethnicity) + names.given_name(
            self.rng, sex, self.rng.randint(1970, 1998)
        )
        # No password: demo staff act in the story but nobody signs in as them.
        user = account_actions.create_user(
            actor=self.actor, username=username, password=None, full_name=full_name
        )
        account_actions.assign_role(
            actor=self.actor,
            user=user,
            role=role,
            region=Region.objects.get(code=code),
            department=department,
        )
        self.created += 1
        return user

    def grid_worker(self, grid: str) -> User:
        return self.get(Role.GRID_WORKER, grid)

    def village(self, grid: str) -> User:
        return self.get(Role.VILLAGE_CADRE, grid[:12])

    def township(self, grid: str) -> User:
        return self.get(Role.TOWNSHIP_CENTRE, grid[:9])

    def county(self, grid: str) -> User:
        return self.get(Role.COUNTY_CENTRE, grid[:6])

    def handler(self, department: Department) -> User:
        return self.get(Role.DEPARTMENT_HANDLER, department.region_code, department)


# --- Where ----------------------------------------------------------------------------------


def _inside(area: str, root: str) -> str | None:
    """The part of `area` inside `root`: the longer code when one holds the other."""
    if area.startswith(root):
        return area
    if root.startswith(area):
        return root
    return None


def _grids_of_areas(root: str, rng: random.Random) -> list[tuple[float, list[str]]]:
    """For each area inside `root`: its share and the grids where its events happen (one
    grid per chosen village, so each village needs one grid worker)."""
    villages = list(
        Region.objects.within(root)
        .filter(level__in=GRID_PARENT_LEVELS)
        .order_by("code")
        .values_list("code", flat=True)
    )
    first_grids: dict[str, list[str]] = {}
    for code in (
        Region.objects.within(root)
        .filter(level="grid")
        .order_by("code")
        .values_list("code", flat=True)
    ):
        first_grids.setdefault(code[:12], []).append(code)
    areas = []
    for share, area, villages_wanted in AREAS:
        inside = _inside(area, root)
        if inside is None:
            continue
        if len(inside) == 15:
            grids = [inside] if inside[:12] in first_grids else []
        elif inside == FEATURED_VILLAGE:
            grids = [g for g in first_grids.get(inside, []) if g != FEATURED_GRID][:villages_wanted]
        else:
            candidates = [
                v
                for v in villages
                if v.startswith(inside) and v != FEATURED_VILLAGE and v in first_grids
            ]
            if inside == "4331":  # one village in each other county
                by_county: dict[str, list[str]] = {}
                for village in candidates:
                    if not village.startswith(FEATURED_COUNTY):
                        by_county.setdefault(village[:6], []).append(village)
                chosen = [rng.choice(found) for _county, found in sorted(by_county.items())]
            elif inside == FEATURED_COUNTY:
                others = [v for v in candidates if not v.startswith(FEATURED_TOWNSHIP)]
                chosen = rng.sample(
                    others or candidates, min(villages_wanted, len(others or candidates))
                )
            else:
                chosen = rng.sample(candidates, min(villages_wanted, len(candidates)))
            grids = [first_grids[village][0] for village in sorted(chosen)]
        if grids:
            areas.append((share, grids))
    return areas


# --- The story of one event -----------------------------------------------------------------


@dataclass
class Story:
    """One event being taken to its planned state."""

    event: Event
    staff: Staff
    departments: dict[tuple[str, str], Department]
    rng: random.Random

    @property
    def grid(self) -> str:
        return self.event.region_code

    def act(self, action: str, actor: User, **details) -> None:
        """Take the action a few working days after the one before (see GAPS): what has
        happened so far moves back by that much first."""
        low, high = GAPS.get(action, (0, 0))
        if move_back(self.event, self.rng.randint(low, high)):
            self.event.refresh_from_db()
        workflow.transition(self.event, action, actor=actor, **details)

    def lead_department(self, *, wrong: bool = False) -> Department:
        """The department that leads on this category in the event's county (a township
        office for a township centre's justice and police matters), or a wrong one."""
        county = self.grid[:6]
        kind = self.event.category.default_department_kind or DepartmentKind.CIVIL_AFFAIRS
        if wrong:
            kind = (
                DepartmentKind.CIVIL_AFFAIRS
                if kind == DepartmentKind.PUBLIC_SECURITY
                else DepartmentKind.PUBLIC_SECURITY
            )
        township_office = self.departments.get((self.grid[:9], kind))
        if (
            township_office is not None
            and self.event.level == Level.TOWNSHIP
            and self.rng.random() < 0.4
        ):
            return township_office
        return (
            self.departments.get((county, kind))
            or self.departments[(county, DepartmentKind.CIVIL_AFFAIRS)]
        )

    def result(self) -> str:
        return RESULTS[self.event.category.code.split(".")[0]]

    # Each step below ends in one state of the mix.

    def to_village(self) -> None:
        self.act("escalate", self.staff.grid_worker(self.grid), to_level=Level.VILLAGE)

    def to_township(self) -> None:
        self.to_village()
        self.act("escalate", self.staff.village(self.grid), to_level=Level.TOWNSHIP)

    def accepted_township(self) -> None:
        self.to_township()
        self.act("accept", self.staff.township(self.grid), note="已受理，拟派相关部门办理。")

    def dispatched(self, *, wrong: bool = False) -> Department:
        self.accepted_township()
        lead = self.lead_department(wrong=wrong)
        self.act("dispatch", self.staff.township(self.grid), lead=lead, note="请按时限办理。")
        return lead

    def in_progress(self) -> Department:
        lead = self.dispatched()
        self.act("department_accept", self.staff.handler(lead), note="已签收。")
        return lead

    def handled(self) -> Department:
        lead = self.in_progress()
        self.act("report", self.staff.handler(lead), result=self.result())
        return lead

    def closed_rated(self) -> None:
        self.handled()
        self.act("verify", self.staff.grid_worker(self.grid), note="现场回访，情况属实。")
        self.act("close", self.staff.township(self.grid))
        self.rate()

    def rate(self) -> None:
        score = self.rng.choices((5, 4, 3, 2), weights=(60, 28, 9, 3))[0]
        comment = {5: "群众表示满意", 4: "群众表示满意", 3: "群众表示基本满意"}.get(
            score, "群众认为处理不够及时"
        )
        self.act("rate", self.staff.grid_worker(self.grid), score=score, comment=comment)

    def accepted_village(self) -> None:
        self.to_village()
        self.act("accept", self.staff.village(self.grid), note="村里先行处理。")

    def closed_local(self) -> None:
        self.accepted_village()
        self.act("report", self.staff.village(self.grid), result=self.result())
        self.act("verify", self.staff.grid_worker(self.grid), note="已回访核实。")
        self.act("close", self.staff.village(self.grid))
        self.rate()

    def resolved(self) -> None:
        self.act("resolve", self.staff.grid_worker(self.grid), evidence=self.result())

    def rejected(self) -> None:
        self.to_village()
        self.act(
            "reject",
            self.staff.village(self.grid),
            reason="经核实不属于本级受理范围，已告知群众通过司法途径解决。",
        )

    def county_level(self) -> None:
        self.to_township()
        self.act("escalate", self.staff.township(self.grid), to_level=Level.COUNTY)
        self.act("accept", self.staff.county(self.grid), note="县综治中心受理。")
        lead = self.lead_department()
        self.act("dispatch", self.staff.county(self.grid), lead=lead, note="请牵头办理。")
        self.act("department_accept", self.staff.handler(lead))

    def suspended(self) -> None:
        lead = self.in_progress()
        self.act(
            "request_suspension",
            self.staff.handler(lead),
            reason="当事人已起诉，等待法院判决后再处理。",
        )
        self.act("approve_suspension", self.staff.township(self.grid), note="同意挂账。")

    def extension_pending(self) -> None:
        lead = self.in_progress()
        self.act(
            "request_extension",
            self.staff.handler(lead),
            amount=5,
            reason="需等待专业机构现场鉴定，申请延期五个工作日。",
        )

    def return_pending(self) -> None:
        lead = self.dispatched(wrong=True)
        self.act(
            "request_return",
            self.staff.handler(lead),
            reason="该事项不属于本部门职责，请重新派遣。",
        )


STORIES: dict[str, Callable[[Story], object]] = {
    "reported_grid": lambda story: None,
    "reported_village": Story.to_village,
    "reported_township": Story.to_township,
    "rejected": Story.rejected,
    "accepted_village": Story.accepted_village,
    "accepted_township": Story.accepted_township,
    "dispatched": Story.dispatched,
    "in_progress": Story.in_progress,
    "county": Story.county_level,
    "handled": Story.handled,
    "resolved": Story.resolved,
    "closed_rated": Story.closed_rated,
    "closed_local": Story.closed_local,
    "suspended": Story.suspended,
    "extension_pending": Story.extension_pending,
    "return_pending": Story.return_pending,
}


def plan_scenarios(count: int, rng: random.Random) -> list[str]:
    """The planned end of each event: the fixed few, one of each kind, then the shares."""
    fixed = [name for name, times, _ages in FIXED_SCENARIOS for _ in range(times)]
    showcase = [name for name, _share, _ages in SCENARIOS]
    rest = count - len(fixed) - len(showcase)
    kinds, weights = zip(*[(name, share) for name, share, _ages in SCENARIOS], strict=True)
    return fixed + showcase + rng.choices(kinds, weights=weights, k=max(0, rest))


# --- Moving events back in time ---------------------------------------------------------------

EVENT_TIMES = (
    "reported_at",
    "accepted_at",
    "dispatched_at",
    "handled_at",
    "verified_at",
    "closed_at",
    "suspended_at",
    "stage_started_at",
    "accept_due",
    "handle_due",
    "verify_due",
    "red_due",
    "warn_at",
    "created_at",
)


def working_days_back(moment: datetime | None, days: int) -> datetime | None:
    """The same local time `days` working days earlier (on a working day)."""
    if moment is None or days == 0:
        return moment
    local = moment.astimezone(calendar.SHANGHAI)
    day, counted = local.date(), 0
    while counted < days:
        day -= timedelta(days=1)
        counted += calendar.is_working_day(day)
    return datetime.combine(day, local.timetz())


# The rows written with an event, and their moments.
RELATED_TIMES = (
    (EventStep, ("created_at",)),
    (Notification, ("created_at",)),
    (EventAssignment, ("dispatched_at", "accepted_at", "reported_at", "ended_at")),
    (ApprovalRequest, ("requested_at", "decided_at", "previous_due", "new_due")),
)


def _move(event: Event, moved: Callable[[datetime | None], datetime | None], names) -> None:
    """Give the event's moments `names` and those of the rows written with it their
    `moved` values: one UPDATE of the event, one of each kind of row."""
    Event.objects.filter(pk=event.pk).update(
        **{name: moved(getattr(event, name)) for name in names}
    )
    for model, columns in RELATED_TIMES:
        rows = list(model.objects.filter(event=event).only("pk", *columns))
        for row in rows:
            for column in columns:
                setattr(row, column, moved(getattr(row, column)))
        model.objects.bulk_update(rows, columns)


def move_back(event: Event, days: int) -> bool:
    """Let what has happened to the event so far have happened `days` working days earlier:
    its timestamps and deadlines move back by that many working days, and so do the rows
    written with it — the timeline, the departments' parts, the requests, the inbox.
    Returns whether anything moved (the caller's `event` is then out of date)."""
    if days == 0:
        return False
    _move(event, lambda moment: working_days_back(moment, days), EVENT_TIMES)
    return True


def office_hours(event: Event, rng: random.Random) -> None:
    """Spread the steps of each past day over office hours (from 8–9:30, a few minutes to
    an hour and a half apart) instead of the moment the demo ran. Dates do not change, so
    neither do the deadlines (they end with a day); today's steps stay as they are."""
    steps = list(event.steps.order_by("created_at", "id").values_list("created_at", flat=True))
    today = timezone.localdate()
    old_times, new_times = [], []
    day, clock = None, None
    for moment in steps:
        local = timezone.localtime(moment)
        if local.date() >= today:
            new = moment
        elif local.date() != day:
            day = local.date()
            clock = datetime.combine(day, time(8), tzinfo=calendar.SHANGHAI)
            new = clock = clock + timedelta(minutes=rng.randint(0, 90))
        else:
            new = clock = clock + timedelta(minutes=rng.randint(5, 90))
        old_times.append(moment)
        new_times.append(new)
    if not old_times:
        return

    def moved(moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        # The step written in the same action: the last one at or before this moment.
        index = max(bisect.bisect_right(old_times, moment) - 1, 0)
        if abs(moment - old_times[index]) > timedelta(seconds=5):
            return moment  # a deadline, not a moment something happened
        return moment + (new_times[index] - old_times[index])

    _move(event, moved, [name for name in EVENT_TIMES if not name.endswith("_due")])


# --- The step -------------------------------------------------------------------------------


def _households_by_grid(grids: list[str]) -> dict[str, list[tuple]]:
    rows: dict[str, list[tuple]] = {}
    for pk, code, latitude, longitude in (
        Household.objects.filter(region_code__in=grids)
        .order_by("pk")
        .values_list("pk", "region_code", "latitude", "longitude")
    ):
        rows.setdefault(code, []).append((pk, latitude, longitude))
    return rows


def _departments(root: str) -> dict[tuple[str, str], Department]:
    county_root = root[:6] if len(root) >= 6 else root
    return {
        (department.region_code, department.kind): department
        for department in Department.objects.filter(is_active=True).within(county_root)
    }


def add_events(
    *,
    scale: float,
    seed: int,
    root: str = "4331",
    actor=None,
    progress: Callable[[int, int], None] | None = None,
) -> EventsSummary:
    """Report and work the demo's events, unless there are events already."""
    if Event.objects.exists():
        return EventsSummary(skipped=True)
    with transaction.atomic():
        summary = _add_events(scale=scale, seed=seed, root=root, actor=actor, progress=progress)
    return summary


def _add_events(*, scale, seed, root, actor, progress) -> EventsSummary:
    rng = random.Random(f"{seed}:events")
    summary = EventsSummary()
    areas = _grids_of_areas(root, rng)
    if not areas:
        return summary
    staff = Staff(rng, actor=actor)
    staff_before = staff.created
    departments = _departments(root)
    categories = {category.code: category for category in Category.objects.select_related("parent")}
    all_grids = sorted({grid for _share, grids in areas for grid in grids})
    households = _households_by_grid(all_grids)
    plans = plan_scenarios(event_count(scale), rng)
    shares = [share for share, _grids in areas]
    total = len(plans)
    for number, scenario in enumerate(plans):
        # The fixed few and the showcase happen where the demo logins work.
        if number < len(FIXED_SCENARIOS) + len(SCENARIOS) + 2:
            grids = areas[0][1]
        else:
            grids = rng.choices([grids for _s, grids in areas], weights=shares)[0]
        grid = rng.choice(grids)
        template = _template_for(scenario, rng)
        event = _report(template, categories, grid, households.get(grid, []), staff, rng)
        if households.get(grid) and rng.random() < 0.4:
            household = Household.objects.get(pk=rng.choice(households[grid])[0])
            links.link(actor=staff.grid_worker(grid), event=event, target=household)
            summary.links += 1
        STORIES[scenario](Story(event, staff, departments, rng))
        move_back(event, rng.choice(AGES[scenario]))
        event.refresh_from_db()
        office_hours(event, rng)
        summary.events += 1
        if progress is not None:
            progress(number + 1, total)
    swept = supervision.apply_cards()
    summary.staff_created = staff.created - staff_before
    summary.by_state = Counter(Event.objects.values_list("state", flat=True))
    summary.yellow_cards = Event.objects.filter(card=Card.YELLOW).count()
    summary.red_cards = Event.objects.filter(card=Card.RED).count()
    audit.record(
        actor=actor,
        action="demo.create_events",
        region_code=root,
        after={
            "events": summary.events,
            "cards": str(swept),
            "links": summary.links,
            "staff": summary.staff_created,
            "seed": seed,
        },
    )
    return summary


def _template_for(scenario: str, rng: random.Random) -> Template:
    """A matter that suits the planned course: publicity is done on the spot, a grid
    worker resolves only small matters, and nothing sudden waits at a grid."""
    if scenario == "resolved":
        pool = [
            t
            for t in TEMPLATES
            if t.category.split(".")[0] in ("environment", "service", "publicity")
        ]
    elif scenario in ("reported_grid", "closed_local", "accepted_village", "rejected"):
        pool = [t for t in TEMPLATES if t.category.split(".")[0] not in ("emergency", "publicity")]
    else:
        pool = [t for t in TEMPLATES if t.category != "publicity"]
    return rng.choice(pool)


def _report(template, categories, grid: str, households: list[tuple], staff: Staff, rng) -> Event:
    category = categories[template.category]
    latitude = longitude = None
    if households:
        _pk, latitude, longitude = rng.choice(households)
    urgency = rng.choices((Urgency.LOW, Urgency.MEDIUM), weights=(3, 7))[0]
    emergency_grade = ""
    if category.needs_emergency_grade:
        urgency, emergency_grade = Urgency.MEDIUM, EmergencyGrade.IV
    event, _created = case_actions.report_event(
        actor=staff.grid_worker(grid),
        uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
        title=template.title,
        description=template.description,
        category=category,
        urgency=urgency,
        emergency_grade=emergency_grade,
        grid=Region.objects.get(code=grid),
        latitude=latitude,
        longitude=longitude,
    )
    return event


STATES_OF_THE_MIX = (
    State.REPORTED,
    State.ACCEPTED,
    State.DISPATCHED,
    State.IN_PROGRESS,
    State.HANDLED,
    State.CLOSED,
    State.SUSPENDED,
    State.REJECTED,
)
