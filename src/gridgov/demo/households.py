"""Synthetic households for the demo register: who lives together, how old they are, who
works away, and which care groups and key populations they belong to.

A household is drawn as one of a few family shapes common in rural Xiangxi (an old person
alone, an old couple, a young family, three generations under one roof, grandparents with
the children of a son who works in Guangdong …), so ages, relations and surnames fit
together. Working-age people are often registered here but working away (外出务工), which
is what makes the population living at home old and young. Left-behind children, women and
elderly are then derived from who is away and for how long (design.md: a family member
working away for six months or more), never drawn separately, so the tags agree with the
records. Everything here is a pure function of a `random.Random` and the reference date.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from gridgov.demo import names
from gridgov.demo.names import Weighted
from gridgov.registry.choices import (
    AttentionLevel,
    DisabilityLevel,
    Education,
    HealthInsurance,
    HouseholdType,
    HousingSafety,
    RelationToHead,
    ResidenceStatus,
    Sex,
    Tag,
)

MALE, FEMALE = Sex.MALE.value, Sex.FEMALE.value
HERE, AWAY, FLOATING = (
    ResidenceStatus.LIVING_HERE.value,
    ResidenceStatus.WORKING_AWAY.value,
    ResidenceStatus.FLOATING.value,
)
R = RelationToHead
LEFT_BEHIND_AFTER = timedelta(days=183)  # away six months or more
YEAR = 365.2425

# Family shapes with their weight among rural and urban (community) households.
SHAPES = {
    "elderly_alone": (10, 7),
    "single": (8, 10),
    "elderly_couple": (15, 10),
    "couple": (13, 13),
    "nuclear": (24, 36),
    "three_generations": (15, 12),
    "with_married_son": (10, 7),
    "skipped_generation": (3, 2),
    "single_parent": (2, 3),
}
KINDS = {
    urban: Weighted(SHAPES, [pair[urban] for pair in SHAPES.values()]) for urban in (False, True)
}
FLOATING_KINDS = Weighted(("single", "couple", "nuclear"), (3, 2, 5))
# Share of a community's households that are floating population (流动人口) from elsewhere.
FLOATING_SHARE = 0.10
# Where floating residents come from: the other counties of Xiangxi and the neighbours
# (怀化, 张家界, 重庆秀山, 贵州松桃, 湖北来凤) — the region part of their ID numbers.
FLOATING_ORIGINS = [
    "433101",
    "433122",
    "433123",
    "433124",
    "433125",
    "433126",
    "433127",
    "433130",
    "431202",
    "431223",
    "431224",
    "430802",
    "500241",
    "522229",
    "422827",
]

# Chance of working away by age (rural; towns have more local work, so half as much).
AWAY_BY_AGE = ((16, 0.15), (18, 0.60), (25, 0.58), (35, 0.48), (45, 0.35), (51, 0.15), (56, 0.0))

_RATINGS = [HousingSafety.A, HousingSafety.B, HousingSafety.C, HousingSafety.D]
HOUSING_SAFETY = {
    False: Weighted(_RATINGS, [55, 38, 5.5, 1.5]),
    True: Weighted(_RATINGS, [80, 19, 1, 0]),
}

# Key populations (重点人群): tag, ages, rate among men and among women of those ages. Rates
# are of the order of the national registers (about 0.45 % severe mental disorders, 0.1 %
# released prisoners under follow-up, 0.05 % community correction, 0.08 % drug users).
# A person belongs to at most one of them here (one draw per person).
KEY_POPULATIONS = (
    (Tag.RELEASED_PRISONER, 20, 75, 0.0030, 0.0004),
    (Tag.COMMUNITY_CORRECTION, 18, 70, 0.0010, 0.0002),
    (Tag.SEVERE_MENTAL_DISORDER, 15, 95, 0.0055, 0.0055),
    (Tag.DRUG_USER, 18, 60, 0.0025, 0.0004),
    (Tag.AIDS_RISK, 18, 60, 0.0003, 0.0002),
    (Tag.KEY_YOUTH, 6, 25, 0.0030, 0.0015),
    (Tag.KEY_PETITIONER, 30, 80, 0.0005, 0.0003),
)
KEY_ATTENTION = Weighted(
    [AttentionLevel.GENERAL, AttentionLevel.MEDIUM, AttentionLevel.SERIOUS], [6, 3, 1]
)

# Certified disability (残疾人证) by age, and the level (1 most severe).
DISABILITY_BY_AGE = ((0, 0.008), (18, 0.03), (60, 0.08), (80, 0.14))
DISABILITY_LEVELS = Weighted(
    [
        DisabilityLevel.LEVEL_1,
        DisabilityLevel.LEVEL_2,
        DisabilityLevel.LEVEL_3,
        DisabilityLevel.LEVEL_4,
    ],
    [12, 22, 28, 38],
)

# Household programmes: rural and urban rates.
DIBAO_RATE = {False: 0.055, True: 0.025}  # 低保, every member
POVERTY_EXITED_RATE = {False: 0.24, True: 0.04}  # 脱贫户 (poverty exited 2015–2020), the head
MONITORED_RATE = 0.012  # 监测户, the head; four times as likely for exited households
TEKUN_RATE = 0.12  # 特困供养 among old people living alone
VETERAN_RATE = 0.035  # men aged 25–75
SPECIAL_CARE_RATE = 0.01  # 优抚对象, people aged 60 and over

CHILDREN = Weighted((1, 2, 3), (45, 42, 13))  # of a young family
GROWN_CHILDREN = Weighted((0, 1, 2), (50, 35, 15))  # still registered with a middle-aged couple
GRANDCHILDREN = Weighted((1, 2, 3), (45, 45, 10))

_E = Education
EDUCATION_TEEN = Weighted((_E.SENIOR, _E.VOCATIONAL, _E.JUNIOR), (55, 30, 15))
# Adults by year of birth: the young went to school much longer than their grandparents.
EDUCATION_BY_BIRTH = (
    (
        1990,
        Weighted(
            (
                _E.PRIMARY,
                _E.JUNIOR,
                _E.SENIOR,
                _E.VOCATIONAL,
                _E.COLLEGE,
                _E.BACHELOR,
                _E.POSTGRADUATE,
            ),
            (3, 38, 20, 15, 12, 11, 1),
        ),
    ),
    (
        1970,
        Weighted(
            (_E.NONE, _E.PRIMARY, _E.JUNIOR, _E.SENIOR, _E.VOCATIONAL, _E.COLLEGE, _E.BACHELOR),
            (1, 20, 50, 15, 5, 5, 4),
        ),
    ),
    (1955, Weighted((_E.NONE, _E.PRIMARY, _E.JUNIOR, _E.SENIOR, _E.COLLEGE), (10, 45, 35, 8, 2))),
    (0, Weighted((_E.NONE, _E.PRIMARY, _E.JUNIOR, _E.SENIOR), (40, 45, 12, 3))),
)

MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "175",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]


@dataclass(eq=False)
class Member:
    """One person of a planned household (the ID number is given later, when the demo
    allocates serial numbers)."""

    relation: str
    sex: str
    birth_date: date
    ethnicity: str
    surname: str
    name: str = ""
    id_region: str = ""
    status: str = HERE
    away_since: date | None = None
    education: str = ""
    health_insurance: str = ""
    disability_level: str = ""
    phone: str = ""
    partner: "Member | None" = field(default=None, repr=False)
    # (tag, attention level, start date, end date or None)
    tags: list[tuple[str, str, date, date | None]] = field(default_factory=list)

    def age(self, today: date) -> int:
        years = today.year - self.birth_date.year
        return years - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))


@dataclass
class HouseholdPlan:
    kind: str
    household_type: str
    housing_safety: str
    members: list[Member]  # the head first


def _born(rng: random.Random, today: date, age: int) -> date:
    """A birth date that makes someone `age` years old today."""
    return date.fromordinal(today.toordinal() - int((age + rng.random() * 0.999) * YEAR))


def _children_ages(
    rng: random.Random, mother_age: int, count: int, oldest_cap: int = 28
) -> list[int]:
    """Ages of `count` children of a mother (the first born when she was 19–34), oldest first."""
    oldest = min(oldest_cap, mother_age - int(rng.triangular(19, 34, 23)))
    if oldest < 0:
        return []
    ages = [oldest]
    for _ in range(count - 1):
        age = ages[-1] - rng.randint(1, 5)
        if age < 0:
            break
        ages.append(age)
    return ages


class _Builder:
    """Draws the people of one household."""

    def __init__(self, rng: random.Random, today: date, peoples: Weighted):
        self.rng = rng
        self.today = today
        self.peoples = peoples
        self.members: list[Member] = []

    def ethnicity(self, like: str | None = None, keep: float = 0.75) -> str:
        if like is not None and self.rng.random() < keep:
            return like
        return self.peoples.pick(self.rng)

    def add(
        self, relation: str, sex: str, age: int, ethnicity: str, surname: str | None = None
    ) -> Member:
        age = max(0, min(age, 99))
        member = Member(
            relation=relation,
            sex=sex,
            birth_date=_born(self.rng, self.today, age),
            ethnicity=ethnicity,
            surname=surname or names.surname(self.rng, ethnicity),
        )
        self.members.append(member)
        return member

    def children(
        self,
        relation_of_son: str,
        father: Member | None,
        mother: Member | None,
        count: int,
        *,
        cap: int = 28,
    ) -> None:
        parent = mother or father
        parent_age = parent.age(self.today)
        if parent_age < 19:
            return
        for age in _children_ages(self.rng, parent_age, count, cap):
            sex = MALE if self.rng.random() < 0.52 else FEMALE
            relation = (
                relation_of_son
                if relation_of_son == R.GRANDCHILD
                else (R.SON if sex == MALE else R.DAUGHTER)
            )
            ethnicity = (
                father.ethnicity if father and self.rng.random() < 0.85 else parent.ethnicity
            )
            surname = (
                father.surname if father else (parent.surname if self.rng.random() < 0.4 else None)
            )
            self.add(relation, sex, age, ethnicity, surname)

    def couple(
        self,
        relation: str,
        age: int,
        ethnicity: str | None = None,
        surname: str | None = None,
        *,
        wife_relation: str = R.SPOUSE,
    ) -> tuple[Member, Member]:
        husband = self.add(relation, MALE, age, ethnicity or self.ethnicity(), surname)
        wife_age = max(20, age - self.rng.choice((-2, -1, 0, 1, 1, 2, 2, 3, 3, 4, 5, 6)))
        wife = self.add(wife_relation, FEMALE, wife_age, self.ethnicity(husband.ethnicity))
        husband.partner, wife.partner = wife, husband
        return husband, wife


def _triangular(rng: random.Random, low: int, high: int, mode: int) -> int:
    return int(rng.triangular(low, high + 0.999, mode))


def _compose(builder: _Builder, kind: str) -> None:
    """Draw the members of a household of `kind` (head first)."""
    rng = builder.rng
    if kind == "elderly_alone":
        builder.add(
            R.HEAD,
            FEMALE if rng.random() < 0.6 else MALE,
            _triangular(rng, 62, 95, 72),
            builder.ethnicity(),
        )
    elif kind == "single":
        builder.add(
            R.HEAD,
            MALE if rng.random() < 0.75 else FEMALE,
            _triangular(rng, 20, 62, 30),
            builder.ethnicity(),
        )
    elif kind == "elderly_couple":
        builder.couple(R.HEAD, _triangular(rng, 60, 90, 68))
    elif kind == "couple":  # middle-aged; grown children may still be registered here
        head, wife = builder.couple(R.HEAD, rng.randint(45, 64))
        grown = GROWN_CHILDREN.pick(rng)
        if grown:
            builder.children(R.SON, head, wife, grown, cap=34)
    elif kind in ("nuclear", "three_generations"):
        head_age = _triangular(rng, 22, 58, 35)
        head, wife = builder.couple(R.HEAD, head_age)
        if kind == "three_generations":
            father_age = head_age + rng.randint(21, 34)
            mother_age = father_age - rng.randint(0, 5)
            both, mother_only = 0.55, 0.85  # else the father only
            roll = rng.random()
            if roll < both or roll >= mother_only:
                builder.add(R.PARENT, MALE, father_age, head.ethnicity, head.surname)
            if roll < mother_only:
                builder.add(R.PARENT, FEMALE, mother_age, builder.ethnicity(head.ethnicity))
            parents = [m for m in builder.members if m.relation == R.PARENT]
            if len(parents) == 2:
                parents[0].partner, parents[1].partner = parents[1], parents[0]
        builder.children(R.SON, head, wife, CHILDREN.pick(rng), cap=26)
    elif kind == "with_married_son":
        head_age = _triangular(rng, 50, 82, 58)
        if rng.random() < 0.3:  # widowed
            head = builder.add(
                R.HEAD, MALE if rng.random() < 0.4 else FEMALE, head_age, builder.ethnicity()
            )
            son_age = head_age - rng.randint(22, 34)
        else:
            head, _wife = builder.couple(R.HEAD, head_age)
            son_age = head_age - rng.randint(22, 32)
        son_surname = head.surname if head.sex == MALE else None
        son, daughter_in_law = builder.couple(
            R.SON,
            max(son_age, 22),
            builder.ethnicity(head.ethnicity, 0.9),
            son_surname,
            wife_relation=R.DAUGHTER,
        )
        builder.children(R.GRANDCHILD, son, daughter_in_law, GRANDCHILDREN.pick(rng), cap=16)
    elif kind == "skipped_generation":
        head_age = _triangular(rng, 55, 80, 64)
        if rng.random() < 0.6:
            head, _wife = builder.couple(R.HEAD, head_age)
        else:
            head = builder.add(
                R.HEAD, FEMALE if rng.random() < 0.65 else MALE, head_age, builder.ethnicity()
            )
        surname = head.surname if head.sex == MALE or rng.random() < 0.3 else None
        for _ in range(rng.choice((1, 1, 2))):
            builder.add(
                R.GRANDCHILD,
                rng.choice((MALE, FEMALE)),
                rng.randint(1, 15),
                builder.ethnicity(head.ethnicity, 0.9),
                surname,
            )
    elif kind == "single_parent":
        sex = FEMALE if rng.random() < 0.6 else MALE
        head = builder.add(R.HEAD, sex, rng.randint(28, 55), builder.ethnicity())
        if sex == MALE:
            builder.children(R.SON, head, None, rng.choice((1, 1, 2)))
        else:
            builder.children(R.SON, None, head, rng.choice((1, 1, 2)))
    else:
        raise ValueError(f"unknown household kind {kind!r}")
    del builder.members[7:]  # at most seven


def _away_chance(age: int, urban: bool) -> float:
    chance = 0.0
    for start, value in AWAY_BY_AGE:
        if age >= start:
            chance = value
    return chance / 2 if urban else chance


def _assign_work_away(rng: random.Random, members: list[Member], today: date, urban: bool) -> None:
    """Who of the working-age members works away, and since when."""
    youngest = min(member.age(today) for member in members)
    for member in members:
        age = member.age(today)
        chance = _away_chance(age, urban)
        if age < 18 and rng.random() < 0.8:
            chance = 0.0  # still at school
        elif 18 <= age <= 22 and rng.random() < 0.3:
            chance = 0.0  # at college, or at home
        husband = member.partner if member.sex == FEMALE else None
        if husband is not None and chance:
            if husband.status == AWAY:
                chance = 0.1 if youngest < 3 else 0.3
            else:
                chance *= 0.35
        if not chance or rng.random() >= chance:
            continue
        member.status = AWAY
        earliest = max(
            member.birth_date.toordinal() + int(16 * YEAR), today.toordinal() - int(15 * YEAR)
        )
        latest = today.toordinal() - 20
        member.away_since = date.fromordinal(rng.randint(min(earliest, latest), latest))


def _since(rng: random.Random, today: date, earliest: date, years: float) -> date:
    """A start date in the last `years` years, not before `earliest`."""
    start = today.toordinal() - int(rng.random() * years * YEAR)
    return date.fromordinal(min(today.toordinal(), max(start, earliest.toordinal())))


def _birthday(member: Member, years: int) -> date:
    try:
        return member.birth_date.replace(year=member.birth_date.year + years)
    except ValueError:  # 29 February
        return member.birth_date.replace(year=member.birth_date.year + years, day=28)


def _derive_care_groups(rng: random.Random, plan: HouseholdPlan, today: date) -> None:
    """Left-behind children, women and elderly, old people alone and empty nests, from
    who lives at home and who has been away for six months or more."""
    members = plan.members
    long_away = [
        m for m in members if m.status == AWAY and m.away_since <= today - LEFT_BEHIND_AFTER
    ]
    at_home = [m for m in members if m.status == HERE]
    ages = {id(m): m.age(today) for m in members}

    def since_away(people: list[Member]) -> date:
        return max(m.away_since for m in people) + LEFT_BEHIND_AFTER

    for member in at_home:
        age = ages[id(member)]
        if age < 16:
            if member.relation == R.GRANDCHILD and plan.kind == "skipped_generation":
                parents, parents_elsewhere = [], rng.random() < 0.85
            elif member.relation == R.GRANDCHILD:
                parents, parents_elsewhere = (
                    [m for m in members if m.relation in (R.SON, R.DAUGHTER)],
                    False,
                )
            else:
                parents, parents_elsewhere = (
                    [m for m in members if m.relation in (R.HEAD, R.SPOUSE)],
                    False,
                )
            if parents_elsewhere or (parents and all(p in long_away for p in parents)):
                start = since_away(parents) if parents else _since(rng, today, member.birth_date, 5)
                member.tags.append(
                    (
                        Tag.LEFT_BEHIND_CHILD,
                        AttentionLevel.GENERAL,
                        max(start, member.birth_date),
                        None,
                    )
                )
        elif age >= 60:
            others_home = [m for m in at_home if m is not member]
            working_age_home = [m for m in others_home if 18 <= ages[id(m)] < 60]
            if not others_home:
                start = max(_birthday(member, 60), _since(rng, today, member.birth_date, 10))
                level = AttentionLevel.MEDIUM if age >= 80 else AttentionLevel.GENERAL
                member.tags.append((Tag.ELDERLY_ALONE, level, start, None))
            elif all(ages[id(m)] >= 60 for m in others_home):
                start = max(_birthday(member, 60), _since(rng, today, member.birth_date, 10))
                member.tags.append((Tag.EMPTY_NEST, AttentionLevel.GENERAL, start, None))
            if long_away and not working_age_home:
                start = max(_birthday(member, 60), since_away(long_away))
                member.tags.append((Tag.LEFT_BEHIND_ELDERLY, AttentionLevel.GENERAL, start, None))
        elif member.sex == FEMALE and member.partner is not None:
            husband = member.partner
            if husband in long_away:
                start = max(_birthday(member, 18), since_away([husband]))
                member.tags.append((Tag.LEFT_BEHIND_WOMAN, AttentionLevel.GENERAL, start, None))


def _education(rng: random.Random, age: int, birth_year: int) -> str:
    E = Education
    if age < 6:
        return ""
    if age < 12:
        return E.PRIMARY
    if age < 15:
        return E.JUNIOR
    if age < 18:
        return EDUCATION_TEEN.pick(rng)
    for first_year, table in EDUCATION_BY_BIRTH:
        if birth_year >= first_year:
            return table.pick(rng)
    return EDUCATION_BY_BIRTH[-1][1].pick(rng)


def _rate_by_age(table: tuple[tuple[int, float], ...], age: int) -> float:
    rate = 0.0
    for start, value in table:
        if age >= start:
            rate = value
    return rate


def _person_details(rng: random.Random, member: Member, today: date, urban: bool) -> None:
    """Name, education, insurance, phone, disability and the individual tags."""
    age = member.age(today)
    member.name = member.surname + names.given_name(rng, member.sex, member.birth_date.year)
    member.education = _education(rng, age, member.birth_date.year)
    roll = rng.random()
    employee_share = 0.10 if urban and 22 <= age < 60 else 0.02
    if roll < 0.02:
        member.health_insurance = HealthInsurance.NONE
    elif roll < 0.02 + employee_share:
        member.health_insurance = HealthInsurance.EMPLOYEE
    else:
        member.health_insurance = HealthInsurance.URBAN_RURAL
    phone_chance = (
        0.0 if age < 15 else 0.5 if age < 18 else 0.92 if age < 60 else 0.6 if age < 75 else 0.3
    )
    if rng.random() < phone_chance:
        member.phone = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
    if rng.random() < _rate_by_age(DISABILITY_BY_AGE, age):
        member.disability_level = DISABILITY_LEVELS.pick(rng)
        member.tags.append(
            (Tag.DISABLED, AttentionLevel.GENERAL, _since(rng, today, member.birth_date, 15), None)
        )
    draw, chance = rng.random(), 0.0
    for tag, low, high, men, women in KEY_POPULATIONS:
        if not low <= age <= high:
            continue
        chance += men if member.sex == MALE else women
        if draw < chance:
            attention = KEY_ATTENTION.pick(rng)
            earliest = _birthday(member, low)
            if tag == Tag.COMMUNITY_CORRECTION:
                start = _since(rng, today, earliest, 2)
                end = today + timedelta(days=rng.randint(30, 900))
            else:
                start, end = (
                    _since(rng, today, earliest, 5 if tag != Tag.SEVERE_MENTAL_DISORDER else 15),
                    None,
                )
            member.tags.append((tag, attention, start, end))
            break
    if member.sex == MALE and 25 <= age <= 75 and rng.random() < VETERAN_RATE:
        discharged = _birthday(member, rng.randint(20, 24))
        member.tags.append((Tag.VETERAN, AttentionLevel.GENERAL, min(discharged, today), None))
    if age >= 60 and rng.random() < SPECIAL_CARE_RATE:
        member.tags.append(
            (
                Tag.SPECIAL_CARE,
                AttentionLevel.GENERAL,
                _since(rng, today, member.birth_date, 20),
                None,
            )
        )


def _household_programmes(
    rng: random.Random, plan: HouseholdPlan, today: date, urban: bool
) -> None:
    """低保, 特困, 脱贫户 and 监测户: household-level support, tagged on the people it covers."""
    members = plan.members
    head = members[0]
    needy = (
        any(tag == Tag.DISABLED for m in members for tag, *_ in m.tags)
        or plan.kind == "elderly_alone"
    )
    alone = [m for m in members if any(tag == Tag.ELDERLY_ALONE for tag, *_ in m.tags)]
    if alone and rng.random() < TEKUN_RATE:
        for member in alone:
            member.tags.append(
                (
                    Tag.TEKUN,
                    AttentionLevel.MEDIUM,
                    _since(rng, today, _birthday(member, 60), 10),
                    None,
                )
            )
    elif rng.random() < DIBAO_RATE[urban] * (3 if needy else 1):
        start = _since(rng, today, date(2008, 1, 1), 8)
        for member in members:
            member.tags.append(
                (Tag.DIBAO, AttentionLevel.GENERAL, max(start, member.birth_date), None)
            )
    exited = rng.random() < POVERTY_EXITED_RATE[urban]
    if exited:
        year = rng.choice((2015, 2016, 2017, 2018, 2019, 2020))
        exit_date = date(year, 12, 1) + timedelta(days=rng.randint(0, 30))
        head.tags.append(
            (Tag.POVERTY_EXITED, AttentionLevel.GENERAL, max(exit_date, head.birth_date), None)
        )
    if rng.random() < MONITORED_RATE * (4 if exited else 1):
        head.tags.append(
            (Tag.MONITORED, AttentionLevel.MEDIUM, _since(rng, today, date(2021, 1, 1), 3), None)
        )


def plan_household(
    rng: random.Random,
    *,
    today: date,
    county_code: str,
    urban: bool = False,
    peoples: Weighted | None = None,
) -> HouseholdPlan:
    """One synthetic household of a grid in `county_code`; `urban` for a community's grid."""
    peoples = peoples or names.peoples_of(county_code)
    floating = urban and rng.random() < FLOATING_SHARE
    kind = (FLOATING_KINDS if floating else KINDS[urban]).pick(rng)
    builder = _Builder(rng, today, peoples)
    _compose(builder, kind)
    members = builder.members
    if floating:
        origin = rng.choice(FLOATING_ORIGINS)
        for member in members:
            member.id_region = origin
            member.status = FLOATING
        household_type = HouseholdType.FLOATING
    else:
        for member in members:
            member.id_region = county_code[:6]
        _assign_work_away(rng, members, today, urban)
        household_type = HouseholdType.REGISTERED
    plan = HouseholdPlan(
        kind=kind,
        household_type=household_type,
        housing_safety=HOUSING_SAFETY[urban].pick(rng),
        members=members,
    )
    for member in members:
        _person_details(rng, member, today, urban)
    if not floating:
        _derive_care_groups(rng, plan, today)
        _household_programmes(rng, plan, today, urban)
    return plan
