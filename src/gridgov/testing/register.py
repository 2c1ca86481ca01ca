"""A small register for tests, around the personas' grids: households and residents in grid 1
and grid 2 of 十八洞村 and in a 吉首市 grid, with tags, places and organisations.

Built once per test module (the `register` fixture in tests/conftest.py) straight through
the ORM, so that it writes no audit entries (those can never be deleted), and removed again
when the module is done.

| key            | grid          | what                                                   |
|----------------|---------------|--------------------------------------------------------|
| household_1    | grid 1        | 梨子寨 1 号: 龙建国 (head, released prisoner), 龙小燕 (8) |
| household_1b   | grid 1        | 梨子寨 2 号: 施成富 (elderly, lives alone)                 |
| floating_1     | grid 1        | 麻秀英, floating population, no household               |
| household_2    | grid 2        | 竹子寨 5 号: 隆德明 (key petitioner)                     |
| other_household| 吉首市 grid    | 矮寨 8 号: 龙光荣                                        |
| other_household_b | 吉首市 grid | 矮寨 9 号: nobody yet (a destination for moves)          |
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from gridgov.regions.models import Region
from gridgov.regions.pinyin import pinyin_keys
from gridgov.registry import idnumbers
from gridgov.registry.choices import Ethnicity, RelationToHead, ResidenceStatus, Tag
from gridgov.registry.models import Household, Organisation, Place, PopulationTag, Resident
from gridgov.registry.validation import apply_id_number, normalise_phone
from gridgov.testing.personas import GRID_1, GRID_2, OTHER_GRID

CHILD_BIRTH_DATE = date(timezone.localdate().year - 8, 6, 1)

# key → (household key or None, grid, name, birth date, serial, phone, relation)
PEOPLE = {
    "adult_1": (
        "household_1",
        GRID_1,
        "龙建国",
        date(1975, 3, 8),
        131,
        "13874312345",
        RelationToHead.HEAD,
    ),
    "child_1": (
        "household_1",
        GRID_1,
        "龙小燕",
        CHILD_BIRTH_DATE,
        262,
        "",
        RelationToHead.DAUGHTER,
    ),
    "elder_1": (
        "household_1b",
        GRID_1,
        "施成富",
        date(1948, 11, 2),
        35,
        "07438221234",
        RelationToHead.HEAD,
    ),
    "floating_1": (None, GRID_1, "麻秀英", date(1992, 1, 20), 44, "15974300001", ""),
    "adult_2": (
        "household_2",
        GRID_2,
        "隆德明",
        date(1968, 9, 30),
        57,
        "18907431111",
        RelationToHead.HEAD,
    ),
    "other_adult": (
        "other_household",
        OTHER_GRID,
        "龙光荣",
        date(1981, 12, 12),
        19,
        "13574320000",
        RelationToHead.HEAD,
    ),
}

HOUSEHOLDS = {
    "household_1": (GRID_1, "十八洞村梨子寨", "1"),
    "household_1b": (GRID_1, "十八洞村梨子寨", "2"),
    "household_2": (GRID_2, "十八洞村竹子寨", "5"),
    "other_household": (OTHER_GRID, "吉首市矮寨社区", "8"),
    "other_household_b": (OTHER_GRID, "吉首市矮寨社区", "9"),
}

# resident key → tags (tag, start date)
TAGS = {
    "adult_1": [(Tag.RELEASED_PRISONER, date(2020, 5, 1))],
    "child_1": [(Tag.LEFT_BEHIND_CHILD, date(2022, 9, 1))],
    "elder_1": [(Tag.ELDERLY_ALONE, date(2019, 1, 1))],
    "adult_2": [(Tag.KEY_PETITIONER, date(2021, 3, 15))],
    "other_adult": [(Tag.DRUG_USER, date(2018, 7, 1))],
}

PLACES = {
    "place_1": (GRID_1, "梨子寨水井", "13874319999"),
    "place_2": (GRID_2, "竹子寨风雨桥", ""),
    "other_place": (OTHER_GRID, "矮寨供水站", "13574329999"),
}
ORGANISATIONS = {
    "organisation_1": (GRID_1, "十八洞村猕猴桃合作社", "13874318888"),
    "organisation_2": (GRID_2, "十八洞小学", ""),
    "other_organisation": (OTHER_GRID, "矮寨卫生室", "13574328888"),
}


@dataclass
class Register:
    households: dict[str, Household] = field(default_factory=dict)
    residents: dict[str, Resident] = field(default_factory=dict)
    tags: dict[str, PopulationTag] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)

    def id_number(self, key: str) -> str:
        return self.residents[key].id_number

    def phone(self, key: str) -> str:
        return self.residents[key].phone


def _grids() -> dict[str, Region]:
    return {r.code: r for r in Region.objects.filter(code__in=[GRID_1, GRID_2, OTHER_GRID])}


def add_person(
    name: str,
    *,
    grid: Region,
    born: date,
    serial: int,
    phone: str = "",
    household: Household | None = None,
    **fields,
) -> Resident:
    """One resident with a valid ID number for the grid's county, straight into the table."""
    resident = Resident(
        household=household,
        grid=grid,
        region_code=grid.code,
        name=name,
        id_number=idnumbers.make(grid.code[:6], born, serial),
        phone=normalise_phone(phone),
        **fields,
    )
    apply_id_number(resident)
    resident.name_pinyin, resident.name_initials = pinyin_keys(name)
    resident.save()
    return resident


def build() -> Register:
    grids = _grids()
    register = Register()
    for key, (code, address, number) in HOUSEHOLDS.items():
        grid = grids[code]
        register.households[key] = Household.objects.create(
            grid=grid,
            region_code=code,
            address=address,
            house_number=number,
            latitude=grid.centroid_lat,
            longitude=grid.centroid_lon,
        )
    for key, (household_key, code, name, born, serial, phone, relation) in PEOPLE.items():
        household = register.households.get(household_key) if household_key else None
        resident = add_person(
            name,
            grid=grids[code],
            born=born,
            serial=serial,
            phone=phone,
            household=household,
            relation_to_head=relation,
            ethnicity=Ethnicity.MIAO,
            residence_status=ResidenceStatus.FLOATING
            if household is None
            else ResidenceStatus.LIVING_HERE,
            notes=f"{name}的备注",
        )
        register.residents[key] = resident
        if household is not None and relation == RelationToHead.HEAD:
            household.head = resident
            household.save(update_fields=["head"])
    for key, tags in TAGS.items():
        resident = register.residents[key]
        for tag, start in tags:
            register.tags[key] = PopulationTag.objects.create(
                resident=resident, region_code=resident.region_code, tag=tag, start_date=start
            )
    for key, (code, name, phone) in PLACES.items():
        register.places[key] = Place.objects.create(
            grid=grids[code], region_code=code, kind="well", name=name, keeper_phone=phone
        )
    for key, (code, name, phone) in ORGANISATIONS.items():
        register.organisations[key] = Organisation.objects.create(
            grid=grids[code],
            region_code=code,
            kind="cooperative",
            name=name,
            contact_phone=phone,
            size=12,
        )
    return register


def remove(register: Register) -> None:
    """Delete what `build()` made (and anything tests committed on top of it)."""
    residents = [r.pk for r in register.residents.values()]
    households = [h.pk for h in register.households.values()]
    Household.objects.filter(pk__in=households).update(head=None)
    Resident.objects.filter(pk__in=residents).delete()
    Resident.objects.filter(household__in=households).delete()
    Household.objects.filter(pk__in=households).delete()
    Place.objects.filter(pk__in=[p.pk for p in register.places.values()]).delete()
    Organisation.objects.filter(pk__in=[o.pk for o in register.organisations.values()]).delete()
