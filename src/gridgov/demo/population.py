"""The demo register: households and residents in every grid, and the places and
organisations of every village (人、地、物、组织).

At `--scale 1` the prefecture gets about 850,000 households and 2.6 million residents,
shared between the counties roughly as their registered populations are; a community's
grids are about twice as full as a village's. Each household is drawn by
`demo.households.plan_household` from a random generator seeded with the demo seed and the
grid's code, so the same seed always gives the same people, whichever grids are filled in
which run. ID numbers are valid GB 11643 numbers of the household's county (floating
residents carry the code of where they come from), with serial numbers allocated so that
none is used twice. A grid that already has households is left alone: running the demo
again adds nothing.

Rows are written in bulk, one transaction per township: `bulk_create` on SQLite and
COPY on PostgreSQL, which is what makes the full prefecture a matter of minutes.
"""

import json
import math
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import numpy as np
import shapely
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from gridgov.accounts import audit
from gridgov.demo import households, names
from gridgov.regions.choices import Level
from gridgov.regions.models import Region
from gridgov.regions.pinyin import pinyin_keys
from gridgov.registry import idnumbers
from gridgov.registry.choices import OrganisationKind, PlaceKind
from gridgov.registry.imports import HOUSEHOLD_COLUMNS, RESIDENT_COLUMNS
from gridgov.registry.models import Household, Organisation, Place, PopulationTag, Resident

# The prefecture at scale 1: about 2.6 million registered residents in 850,000 households
# (the generator's households average 3.05 people).
FULL_HOUSEHOLDS = 850_000
# Registered population of each county in thousands (rounded), which sets its share.
COUNTY_POPULATION = {
    "433101": 330,  # 吉首市
    "433122": 300,  # 泸溪县
    "433123": 420,  # 凤凰县
    "433124": 300,  # 花垣县
    "433125": 300,  # 保靖县
    "433126": 140,  # 古丈县
    "433127": 520,  # 永顺县
    "433130": 580,  # 龙山县
}
COMMUNITY_GRID_WEIGHT = 2.0
# Villages shown off in the demo get at least this many households at any scale:
# 十八洞村, where the demo logins work, has about 225 households.
FEATURED_VILLAGES = {"433124110226": 225}

STREETS = [
    "人民路",
    "建设路",
    "团结路",
    "民族路",
    "光明路",
    "解放路",
    "新华路",
    "文化路",
    "和平路",
    "胜利路",
    "世纪大道",
    "乾州路",
    "峒河路",
    "湘西大道",
    "武陵路",
    "民主路",
    "沿河路",
    "兴隆街",
    "北门街",
    "南华路",
]
COOPERATIVE_PRODUCTS = {
    "433101": "茶叶 猕猴桃 蔬菜 生猪",
    "433122": "椪柑 油茶 生猪 蔬菜",
    "433123": "猕猴桃 红心柚 腊肉 生姜",
    "433124": "猕猴桃 湘西黄牛 烟叶 茶叶",
    "433125": "黄金茶 柑橘 油茶 生猪",
    "433126": "古丈毛尖 茶叶 油茶 蜂蜜",
    "433127": "莓茶 猕猴桃 油茶 烟叶",
    "433130": "百合 烟叶 油茶 蔬菜",
}
ALL_PRODUCTS = ["中药材", "蜂蜜", "油茶", "生猪", "蔬菜"]

# The columns the demo fills; any other column gets its field's default.
TAG_COLUMNS = [
    "uuid",
    "resident_id",
    "region_code",
    "tag",
    "attention_level",
    "start_date",
    "end_date",
    "notes",
    "created_at",
]


@dataclass
class RegisterSummary:
    """What one run of the register step added."""

    grids_filled: int = 0
    grids_skipped: int = 0
    households: int = 0
    residents: int = 0
    tags: int = 0
    places: int = 0
    organisations: int = 0

    def lines(self) -> list[str]:
        return [
            f"register: {self.households} households, {self.residents} residents, "
            f"{self.tags} population tags in {self.grids_filled} grids "
            f"({self.grids_skipped} grids already had households)",
            f"places: created {self.places}, organisations: created {self.organisations}",
        ]


@dataclass
class _Grid:
    """A grid as the generator needs it: its boundary (prepared for point tests) and
    whether it belongs to a community (urban) or a village."""

    id: int
    code: str
    name: str
    urban: bool
    shape: object | None
    centre: tuple[float, float] | None  # (latitude, longitude)


def _random_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _stochastic_round(value: float, rng: random.Random) -> int:
    whole = math.floor(value)
    return whole + (rng.random() < value - whole)


class IdNumberAllocator:
    """Valid, unique ID numbers: region + birth date + a serial (odd for men) + check.

    Serials for one region and birth date start at an offset computed from both and
    count up, so numbers look scattered but never repeat; numbers already in
    the database are skipped."""

    def __init__(self, taken: Iterable[str] = ()):
        self.taken = set(taken)
        self.counters: dict[tuple[str, int, str], int] = {}

    def allocate(self, region: str, birth_date: date, sex: str) -> str:
        day = birth_date.toordinal()
        key = (region, day, sex)
        count = self.counters.get(key, 0)
        male = sex == households.MALE
        offset = day * 7919 + int(region) * 31 + male  # the same every run, unlike hash()
        capacity = 500 if male else 499
        while count < capacity:
            slot = (offset + count) % capacity
            count += 1
            serial = 2 * slot + 1 if male else 2 * slot + 2
            number = idnumbers.make(region, birth_date, serial)
            if number not in self.taken:
                self.counters[key] = count
                return number
        raise ValueError(f"no serial left for {key}")


class _PinyinCache(dict):
    """pinyin_keys by name: the same few hundred thousand names recur millions of times."""

    def __missing__(self, name: str) -> tuple[str, str]:
        keys = self[name] = pinyin_keys(name)
        return keys


def _extra_defaults(model: type[models.Model], columns: list[str]) -> tuple[list[str], tuple]:
    """Columns of `model` the demo does not fill, with their defaults (so that a field
    added to the register later does not break the demo)."""
    extra = [
        field
        for field in model._meta.concrete_fields
        if field.attname not in columns and not field.primary_key
    ]
    return [field.attname for field in extra], tuple(field.get_default() for field in extra)


# Columns whose Python values every database driver takes as they are; the others (UUIDs,
# dates, times, JSON) go through the field's own conversion for the database in use.
_PLAIN_TYPES = frozenset(
    {
        "BigAutoField",
        "CharField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "TextField",
    }
)


def _converter(field: models.Field) -> Callable | None:
    """How a column's Python values become database values, or None when they need not."""
    internal_type = field.get_internal_type()
    if internal_type in _PLAIN_TYPES:
        return None
    if internal_type == "UUIDField" and not connection.features.has_native_uuid_field:
        return lambda value: value.hex
    cache: dict = {}  # dates and times repeat a lot; UUIDs never do

    def convert(value):
        if value is None:
            return None
        try:
            return cache[value]
        except KeyError:
            converted = cache[value] = field.get_db_prep_save(value, connection)
            return converted

    return convert


class _Writer:
    """Inserts rows given as tuples in one statement per table and township: COPY on
    PostgreSQL; elsewhere one prepared INSERT run over all rows (`executemany`), which
    is what `bulk_create` does without building a model instance per row."""

    def __init__(self):
        self.copy = connection.vendor == "postgresql"

    def reserve_ids(self, model: type[models.Model], count: int) -> list[int]:
        """Primary keys for `count` new rows, so rows can point at each other before they
        are written (a household at its head, a resident at its household)."""
        if count == 0:
            return []
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.copy:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the write transaction holds the database lock, so max(id) is ours.
            cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')
            start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))

    def write(self, model: type[models.Model], columns: Sequence[str], rows: list[tuple]) -> None:
        if not rows:
            return
        extra_columns, extra_values = _extra_defaults(model, columns)
        all_columns = [*columns, *extra_columns]
        quoted = ", ".join(connection.ops.quote_name(column) for column in all_columns)
        table = connection.ops.quote_name(model._meta.db_table)
        if self.copy:
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row + extra_values if extra_values else row)
            return
        fields = {field.attname: field for field in model._meta.concrete_fields}
        converters = [_converter(fields[column]) for column in all_columns]
        converted = [
            tuple(
                value if convert is None else convert(value)
                for convert, value in zip(converters, row + extra_values, strict=True)
            )
            for row in rows
        ]
        placeholders = ", ".join(["%s"] * len(all_columns))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})", converted)


def _load_grids(root: str) -> list[_Grid]:
    rows = (
        Region.objects.within(root)
        .filter(level=Level.GRID)
        .order_by("code")
        .values_list(
            "id", "code", "name", "parent__level", "geometry", "centroid_lat", "centroid_lon"
        )
    )
    grids = []
    for pk, code, name, parent_level, geometry, latitude, longitude in rows:
        shape = shapely.from_geojson(json.dumps(geometry)) if geometry else None
        if shape is not None:
            shapely.prepare(shape)
        centre = (latitude, longitude) if latitude is not None else None
        grids.append(_Grid(pk, code, name, parent_level == Level.COMMUNITY, shape, centre))
    return grids


def household_counts(grids: list[tuple[str, bool]], *, scale: float, seed: int) -> dict[str, int]:
    """How many households each grid gets: its county's share of the prefecture at this
    scale, spread over the county's grids by weight (communities fuller, ±40 % per grid),
    at least one per grid. `grids` are (code, is a community grid) of whole counties."""
    weights = {}
    for code, urban in grids:
        jitter = random.Random(f"{seed}:weight:{code}").uniform(0.6, 1.4)
        weights[code] = (COMMUNITY_GRID_WEIGHT if urban else 1.0) * jitter
    county_weight = {}
    for code, weight in weights.items():
        county_weight[code[:6]] = county_weight.get(code[:6], 0.0) + weight
    total_population = sum(COUNTY_POPULATION.values())
    counts = {}
    for code, weight in weights.items():
        county = code[:6]
        county_households = (
            FULL_HOUSEHOLDS * COUNTY_POPULATION.get(county, 300) / total_population * scale
        )
        share = county_households * weight / county_weight[county]
        counts[code] = max(1, _stochastic_round(share, random.Random(f"{seed}:round:{code}")))
    for village, floor in FEATURED_VILLAGES.items():
        village_grids = [code for code in counts if code.startswith(village)]
        for code in village_grids:
            counts[code] = max(counts[code], math.ceil(floor / len(village_grids)))
    return counts


def _points(
    grid: _Grid, count: int, rng: np.random.Generator, *, clustered: bool = True
) -> list[tuple[float, float]]:
    """(latitude, longitude) of `count` doors inside the grid: villages cluster in a few
    hamlets (寨), towns spread out."""
    if grid.shape is None:
        return [grid.centre or (None, None)] * count
    shape = grid.shape
    minx, miny, maxx, maxy = shape.bounds

    def uniform(n: int) -> np.ndarray:
        found = np.empty((0, 2))
        for _attempt in range(100):
            xs = rng.uniform(minx, maxx, max(16, 3 * n))
            ys = rng.uniform(miny, maxy, max(16, 3 * n))
            inside = shapely.contains_xy(shape, xs, ys)
            found = np.vstack([found, np.column_stack([xs[inside], ys[inside]])])
            if len(found) >= n:
                return found[:n]
        point = shape.representative_point()
        return np.array([[point.x, point.y]] * n)

    if grid.urban or not clustered:
        points = uniform(count)
    else:
        hamlets = uniform(int(rng.integers(1, 5)))
        spread = 0.12 * math.sqrt(shape.area)
        points = np.empty((0, 2))
        for _attempt in range(20):
            chosen = hamlets[rng.integers(0, len(hamlets), count)]
            candidates = chosen + rng.normal(0, spread, (count, 2))
            inside = shapely.contains_xy(shape, candidates[:, 0], candidates[:, 1])
            points = np.vstack([points, candidates[inside]])
            if len(points) >= count:
                break
        if len(points) < count:
            points = np.vstack([points, uniform(count - len(points))])
        points = points[:count]
    return [(round(float(y), 6), round(float(x), 6)) for x, y in points]


def _address_base(grid: _Grid, township_name: str, village_name: str) -> str:
    group = grid.name.removesuffix("网格")
    if grid.urban:
        return village_name.removesuffix("居委会").removesuffix("居民委员会")
    if not group.startswith(village_name):
        group = village_name + group
    return township_name + group


class _Generator:
    """Fills grids township by township, keeping the ID allocator and pinyin cache."""

    def __init__(self, *, seed: int, today: date, taken_ids: Iterable[str]):
        self.seed = seed
        self.today = today
        self.ids = IdNumberAllocator(taken_ids)
        self.pinyin = _PinyinCache()
        self.writer = _Writer()
        self.now = timezone.now()
        self.peoples: dict[str, names.Weighted] = {}

    def fill_township(
        self, grids: list[tuple[_Grid, int]], region_names: dict[str, str], summary: RegisterSummary
    ) -> None:
        plans = []  # (grid, address, house number, (lat, lon), plan, uuid rng)
        for grid, count in grids:
            rng = random.Random(f"{self.seed}:register:{grid.code}")
            points = _points(grid, count, np.random.default_rng([self.seed, int(grid.code)]))
            county = grid.code[:6]
            peoples = self.peoples.setdefault(county, names.peoples_of(county))
            base = _address_base(
                grid, region_names.get(grid.code[:9], ""), region_names.get(grid.code[:12], "")
            )
            street = rng.choice(STREETS) if grid.urban else ""
            for number, point in enumerate(points, start=1):
                plan = households.plan_household(
                    rng, today=self.today, county_code=county, urban=grid.urban, peoples=peoples
                )
                plans.append((grid, base + street, number, point, plan, rng))
        household_ids = self.writer.reserve_ids(Household, len(plans))
        resident_ids = iter(
            self.writer.reserve_ids(Resident, sum(len(item[4].members) for item in plans))
        )
        household_rows, resident_rows, tag_rows = [], [], []
        now, today = self.now, self.today
        for household_id, (grid, address, number, point, plan, rng) in zip(
            household_ids, plans, strict=True
        ):
            head_id = None
            for member in plan.members:
                resident_id = next(resident_ids)
                head_id = head_id or resident_id
                id_number = self.ids.allocate(member.id_region, member.birth_date, member.sex)
                full, initials = self.pinyin[member.name]
                resident_rows.append(
                    (
                        resident_id,
                        _random_uuid(rng),
                        grid.id,
                        grid.code,
                        1,
                        now,
                        now,
                        household_id,
                        member.name,
                        full,
                        initials,
                        id_number,
                        id_number[-6:],
                        member.birth_date,
                        member.sex,
                        member.ethnicity,
                        member.phone,
                        member.relation,
                        member.status,
                        member.away_since,
                        member.education,
                        member.health_insurance,
                        member.disability_level,
                        "",
                    )
                )
                for tag, attention, start, end in member.tags:
                    start = min(start, today)
                    tag_rows.append(
                        (
                            _random_uuid(rng),
                            resident_id,
                            grid.code,
                            tag,
                            attention,
                            start,
                            end,
                            "",
                            now,
                        )
                    )
            household_rows.append(
                (
                    household_id,
                    _random_uuid(rng),
                    grid.id,
                    grid.code,
                    1,
                    now,
                    now,
                    address,
                    f"{grid.code[9:]}{number:04d}",  # 户号: village, grid, household
                    f"{number}号",
                    point[0],
                    point[1],
                    plan.household_type,
                    plan.housing_safety,
                    head_id,
                    "",
                )
            )
        # Households first: a household points at its head, who is written next (the
        # foreign key is checked at commit).
        self.writer.write(Household, HOUSEHOLD_COLUMNS, household_rows)
        self.writer.write(Resident, RESIDENT_COLUMNS, resident_rows)
        self.writer.write(PopulationTag, TAG_COLUMNS, tag_rows)
        summary.grids_filled += len(grids)
        summary.households += len(household_rows)
        summary.residents += len(resident_rows)
        summary.tags += len(tag_rows)


def _taken_ids(prefixes: Iterable[str]) -> list[str]:
    condition = Q()
    for prefix in sorted(set(prefixes)):
        condition |= Q(id_number__startswith=prefix)
    return list(Resident.objects.filter(condition).values_list("id_number", flat=True))


def _whole_county_grids(root: str) -> list[tuple[str, bool]]:
    """(code, community grid?) of every grid in the counties that `root` touches."""
    scope = root[:6] if len(root) >= 6 else root
    return [
        (code, level == Level.COMMUNITY)
        for code, level in Region.objects.within(scope)
        .filter(level=Level.GRID)
        .values_list("code", "parent__level")
    ]


def add_households(
    *,
    scale: float,
    seed: int,
    root: str,
    today: date | None = None,
    summary: RegisterSummary | None = None,
    progress: Callable[[int, int], None] | None = None,
    load_grids: Callable[[], list[_Grid]] | None = None,
) -> RegisterSummary:
    """Households and residents for every grid under `root` that has none yet."""
    summary = summary or RegisterSummary()
    today = today or timezone.localdate()
    filled = set(Household.objects.within(root).values_list("region_code", flat=True).distinct())
    all_codes = Region.objects.within(root).filter(level=Level.GRID).values_list("code", flat=True)
    if filled.issuperset(all_codes):
        summary.grids_skipped += len(filled)
        return summary
    grids = [
        grid for grid in (load_grids or (lambda: _load_grids(root)))() if grid.code not in filled
    ]
    summary.grids_skipped += len(filled)
    if not grids:
        return summary
    counts = household_counts(_whole_county_grids(root), scale=scale, seed=seed)
    region_names = dict(
        Region.objects.within(root[:6] if len(root) >= 6 else root)
        .exclude(level=Level.GRID)
        .values_list("code", "name")
    )
    counties = {grid.code[:6] for grid in grids}
    generator = _Generator(
        seed=seed,
        today=today,
        taken_ids=_taken_ids(counties | set(households.FLOATING_ORIGINS)),
    )
    by_township: dict[str, list[tuple[_Grid, int]]] = {}
    for grid in grids:
        by_township.setdefault(grid.code[:9], []).append((grid, counts.get(grid.code, 1)))

    def fill(done: int, township: str) -> None:
        generator.fill_township(by_township[township], region_names, summary)
        if progress is not None:
            progress(done, len(by_township))

    planned = sum(counts.get(grid.code, 1) for grid in grids)
    if generator.writer.copy and planned >= BULK_LOAD_HOUSEHOLDS and _register_is_empty():
        with transaction.atomic(), _indexes_built_afterwards(REGISTER_TABLES):
            for done, township in enumerate(sorted(by_township), start=1):
                fill(done, township)
    else:
        for done, township in enumerate(sorted(by_township), start=1):
            with transaction.atomic():
                fill(done, township)
    return summary


# A first load of at least this many households into an empty register (PostgreSQL) builds
# the indexes once at the end instead of growing them row by row.
BULK_LOAD_HOUSEHOLDS = 20_000
REGISTER_TABLES = (Household, Resident, PopulationTag)


def _register_is_empty() -> bool:
    return not (Household.objects.exists() or Resident.objects.exists())


@contextmanager
def _indexes_built_afterwards(tables: Iterable[type[models.Model]]):
    """Drop the tables' secondary indexes and foreign keys, and make them again on the way
    out (PostgreSQL, inside the caller's transaction).

    Building an index once over millions of rows takes a fraction of the time of growing
    it row by row, and a foreign key added afterwards is checked by one join instead of
    a trigger per row. Primary keys and unique constraints stay, so nothing can be
    duplicated meanwhile. If the load fails, the rollback brings everything back as it
    was; while it runs, the tables are locked (this is for the first load of a demo or
    benchmark database, which nobody uses yet).
    """
    quote = connection.ops.quote_name
    indexes, foreign_keys = [], []
    with connection.cursor() as cursor:
        for model in tables:
            table = model._meta.db_table
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary",
                [table],
            )
            indexes += cursor.fetchall()
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            foreign_keys += [(table, name, definition) for name, definition in cursor.fetchall()]
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        for model in tables:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


# --- Places and organisations ------------------------------------------------------------


def _records_for_village(
    rng: random.Random,
    village_code: str,
    village_name: str,
    urban: bool,
    grids: list[_Grid],
    *,
    want_places: bool,
    want_organisations: bool,
) -> tuple[list[dict], list[dict]]:
    """The places and organisations of one village or community, as field dicts."""
    county = village_code[:6]
    peoples = names.peoples_of(county)
    short = village_name.removesuffix("居委会").removesuffix("居民委员会")
    nprng = np.random.default_rng([rng.getrandbits(32)])

    def located(kind_fields: dict) -> dict:
        grid = rng.choice(grids)
        (latitude, longitude), *_ = _points(grid, 1, nprng, clustered=False)
        group = grid.name.removesuffix("网格")
        address = short  # a community's own name; in a village, the villager group
        if not grid.urban:
            address = group if group.startswith(short) else short + group
        return {
            "grid": grid,
            "address": address,
            "latitude": latitude,
            "longitude": longitude,
            "uuid": _random_uuid(rng),
            **kind_fields,
        }

    def person() -> tuple[str, str]:
        ethnicity = peoples.pick(rng)
        sex = households.MALE if rng.random() < 0.7 else households.FEMALE
        birth_year = rng.randint(1960, 1995)
        name = names.surname(rng, ethnicity) + names.given_name(rng, sex, birth_year)
        return name, f"{rng.choice(households.MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"

    organisations = []
    if want_organisations:
        secretary, phone = person()
        branch = "党委" if urban and rng.random() < 0.3 else "党支部"
        organisations.append(
            located(
                {
                    "kind": OrganisationKind.PARTY_BRANCH,
                    "name": f"{short}{branch}",
                    "size": rng.randint(15, 90),
                    "contact_name": secretary,
                    "contact_phone": phone,
                }
            )
        )
        if not urban or rng.random() < 0.6:
            doctor, phone = person()
            organisations.append(
                located(
                    {
                        "kind": OrganisationKind.CLINIC,
                        "name": f"{short}{'卫生服务站' if urban else '卫生室'}",
                        "size": rng.randint(1, 6),
                        "contact_name": doctor,
                        "contact_phone": phone,
                    }
                )
            )
        if rng.random() < (0.5 if urban else 0.35):
            head, phone = person()
            school = f"{short}{rng.choice(('幼儿园', '小学')) if urban else rng.choice(('小学', '小学', '教学点'))}"
            organisations.append(
                located(
                    {
                        "kind": OrganisationKind.SCHOOL,
                        "name": school,
                        "size": rng.randint(30, 600 if urban else 260),
                        "contact_name": head,
                        "contact_phone": phone,
                    }
                )
            )
        products = COOPERATIVE_PRODUCTS.get(county, "").split() or ALL_PRODUCTS
        for product in rng.sample(products, k=rng.choice((0, 1, 1, 2, 3)) if not urban else 0):
            chair, phone = person()
            organisations.append(
                located(
                    {
                        "kind": OrganisationKind.COOPERATIVE,
                        "name": f"{short}{product}专业合作社",
                        "size": rng.randint(5, 200),
                        "contact_name": chair,
                        "contact_phone": phone,
                    }
                )
            )
        for _ in range(rng.choice((0, 1, 2, 3)) if urban else 0):
            manager, phone = person()
            trade = rng.choice(("商贸", "建材", "农产品", "物流", "餐饮", "旅游开发"))
            organisations.append(
                located(
                    {
                        "kind": OrganisationKind.ENTERPRISE,
                        "name": f"湘西{short}{trade}有限公司",
                        "size": rng.randint(3, 120),
                        "contact_name": manager,
                        "contact_phone": phone,
                    }
                )
            )

    places = []
    if want_places:

        def place(kind: str, name: str) -> None:
            keeper, phone = person()
            places.append(
                located({"kind": kind, "name": name, "keeper_name": keeper, "keeper_phone": phone})
            )

        place(PlaceKind.BUILDING, f"{short}{'党群服务中心' if urban else '村部'}")
        for organisation in organisations:
            if organisation["kind"] == OrganisationKind.SCHOOL:
                place(PlaceKind.BUILDING, f"{organisation['name']}教学楼")
        if urban:
            place(PlaceKind.VENUE, f"{short}文化广场")
            if rng.random() < 0.5:
                place(PlaceKind.VENUE, f"{short}农贸市场")
        else:
            for number in range(1, rng.randint(1, 3) + 1):
                place(PlaceKind.WELL, f"{short}{number}号水井")
            if rng.random() < 0.7:
                place(PlaceKind.WATER_SUPPLY, f"{short}集中供水工程")
            for number in range(rng.choice((0, 1, 1, 2))):
                kind = "风雨桥" if rng.random() < 0.3 else "便民桥"
                place(PlaceKind.BRIDGE, f"{short}{kind}" + (f"{number + 1}号" if number else ""))
            for number in range(rng.choice((0, 0, 1, 1, 2))):
                hazard = rng.choice(("滑坡", "崩塌", "泥石流", "地面塌陷"))
                place(PlaceKind.HAZARD_SITE, f"{short}{hazard}隐患点{number + 1}号")
            if rng.random() < 0.4:
                place(PlaceKind.VENUE, f"{short}文化广场")
    return places, organisations


def add_places_and_organisations(
    *,
    seed: int,
    root: str,
    summary: RegisterSummary,
    load_grids: Callable[[], list[_Grid]] | None = None,
) -> None:
    """A party branch, a clinic, perhaps a school and co-operatives, and the village's
    office, wells, bridges and hazard sites, for every village that has none yet."""
    with_places = {
        code[:12] for code in Place.objects.within(root).values_list("region_code", flat=True)
    }
    with_organisations = {
        code[:12]
        for code in Organisation.objects.within(root).values_list("region_code", flat=True)
    }
    villages = list(
        Region.objects.within(root)
        .filter(level__in=[Level.VILLAGE, Level.COMMUNITY])
        .order_by("code")
        .values_list("code", "name", "level")
    )
    pending = [
        village
        for village in villages
        if village[0] not in with_places or village[0] not in with_organisations
    ]
    if not pending:
        return
    grids_by_village: dict[str, list[_Grid]] = {}
    for grid in (load_grids or (lambda: _load_grids(root)))():
        grids_by_village.setdefault(grid.code[:12], []).append(grid)
    places, organisations = [], []
    for code, name, level in pending:
        grids = grids_by_village.get(code)
        if not grids:
            continue
        new_places, new_organisations = _records_for_village(
            random.Random(f"{seed}:records:{code}"),
            code,
            name,
            level == Level.COMMUNITY,
            grids,
            want_places=code not in with_places,
            want_organisations=code not in with_organisations,
        )
        places += new_places
        organisations += new_organisations

    def build(model, items: list[dict]) -> list:
        built = []
        for item in items:
            grid = item.pop("grid")
            built.append(model(grid_id=grid.id, region_code=grid.code, **item))
        return built

    with transaction.atomic():
        Place.objects.bulk_create(build(Place, places), batch_size=1000)
        Organisation.objects.bulk_create(build(Organisation, organisations), batch_size=1000)
    summary.places += len(places)
    summary.organisations += len(organisations)


def add_register(
    *,
    scale: float,
    seed: int,
    root: str,
    actor=None,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RegisterSummary:
    """The whole register step: households and residents, places and organisations, and
    one audit entry that says what was added."""
    started = time.monotonic()
    loaded: list[_Grid] = []

    def load_grids() -> list[_Grid]:  # boundaries are parsed once, and only when needed
        if not loaded:
            loaded.extend(_load_grids(root))
        return loaded

    summary = add_households(
        scale=scale, seed=seed, root=root, today=today, progress=progress, load_grids=load_grids
    )
    add_places_and_organisations(seed=seed, root=root, summary=summary, load_grids=load_grids)
    if summary.households or summary.places or summary.organisations:
        audit.record(
            actor=actor,
            action="demo.create_register",
            region_code=root,
            after={
                "households": summary.households,
                "residents": summary.residents,
                "tags": summary.tags,
                "places": summary.places,
                "organisations": summary.organisations,
                "grids": summary.grids_filled,
                "scale": scale,
                "seed": seed,
                "seconds": round(time.monotonic() - started),
            },
        )
    return summary
