"""The demo register: households and residents that look like Xiangxi's, valid and repeatable.

Most tests fill one township (双龙镇, where the demo logins work) at a small scale; the
distribution tests draw households without the database, which is quick enough for
tens of thousands of them.
"""

import random
from collections import Counter
from datetime import date
from io import StringIO

import pytest
import shapely
from django.core.management import call_command
from django.db.models import F
from shapely.geometry import shape

from gridgov.accounts.models import AuditEntry
from gridgov.demo import generate, households, names, population
from gridgov.regions.models import Region
from gridgov.regions.pinyin import pinyin_keys
from gridgov.registry import idnumbers
from gridgov.registry.choices import PlaceKind, RelationToHead, ResidenceStatus, Tag
from gridgov.registry.models import Household, Organisation, Place, PopulationTag, Resident
from gridgov.registry.validation import normalise_phone

TOWNSHIP = "433124110"  # 双龙镇, 花垣县
DEMO_LOGIN_GRID = "433124110226001"  # 十八洞村, the grid_worker's grid
TODAY = date(2025, 6, 1)
SEED = generate.DEFAULT_SEED


def fill(root: str = TOWNSHIP, *, scale: float = 0.05, seed: int = SEED):
    return population.add_register(scale=scale, seed=seed, root=root, today=TODAY)


def age(birth_date: date) -> int:
    return (
        TODAY.year
        - birth_date.year
        - ((TODAY.month, TODAY.day) < (birth_date.month, birth_date.day))
    )


def draw(count: int, county: str, *, seed: int = 1, urban: bool = False) -> list:
    """`count` households of `county` drawn without the database."""
    rng = random.Random(seed)
    return [
        households.plan_household(rng, today=TODAY, county_code=county, urban=urban)
        for _ in range(count)
    ]


@pytest.mark.django_db
def test_every_grid_of_the_township_gets_households_whose_head_is_a_member():
    summary = fill()

    grids = set(Region.objects.within(TOWNSHIP).filter(level="grid").values_list("code", flat=True))
    assert summary.grids_filled == len(grids) > 20
    assert set(Household.objects.values_list("region_code", flat=True)) == grids
    assert not Household.objects.exclude(region_code__startswith=TOWNSHIP).exists()
    assert (summary.households, summary.residents) == (
        Household.objects.count(),
        Resident.objects.count(),
    )
    for household in Household.objects.prefetch_related("members"):
        members = list(household.members.all())
        assert 1 <= len(members) <= 7, household
        assert household.head in members
        assert household.head.relation_to_head == RelationToHead.HEAD
        assert [m.relation_to_head for m in members].count(RelationToHead.HEAD) == 1
        assert all(m.region_code == household.region_code for m in members)
    # The demo logins' village is shown off: about 225 households, as the real one has.
    assert Household.objects.filter(region_code__startswith=DEMO_LOGIN_GRID[:12]).count() >= 225
    assert Resident.objects.filter(region_code=DEMO_LOGIN_GRID).count() > 100


@pytest.mark.django_db
def test_id_numbers_are_valid_unique_and_agree_with_the_record():
    fill()
    county = TOWNSHIP[:6]

    residents = list(Resident.objects.all())
    assert len({r.id_number for r in residents}) == len(residents)
    for resident in residents:
        parsed = idnumbers.parse(resident.id_number)
        assert parsed.birth_date == resident.birth_date, resident.id_number
        assert parsed.sex == resident.sex, resident.id_number
        assert resident.id_last6 == resident.id_number[-6:]
        if resident.residence_status == ResidenceStatus.FLOATING:
            assert parsed.region_code in households.FLOATING_ORIGINS
        else:
            assert parsed.region_code == county
        assert (resident.name_pinyin, resident.name_initials) == pinyin_keys(resident.name)
    phones = [r.phone for r in residents if r.phone]
    assert len(phones) > len(residents) / 2
    assert all(normalise_phone(phone) == phone for phone in phones[:200])


def test_the_id_allocator_never_repeats_a_number_and_skips_taken_ones():
    born = date(1980, 5, 17)
    taken = idnumbers.make("433124", born, 1)
    allocator = population.IdNumberAllocator([taken])

    men = [allocator.allocate("433124", born, "1") for _ in range(500 - 1)]
    women = [allocator.allocate("433124", born, "2") for _ in range(499)]

    assert len(set(men + women)) == len(men) + len(women) and taken not in men
    assert all(idnumbers.parse(number).sex == "1" for number in men)
    assert all(idnumbers.parse(number).sex == "2" for number in women)
    with pytest.raises(ValueError):
        allocator.allocate("433124", born, "1")


def test_peoples_follow_the_county_and_the_prefecture():
    def shares(plans) -> Counter:
        people = [member.ethnicity for plan in plans for member in plan.members]
        return Counter({code: count / len(people) for code, count in Counter(people).items()})

    huayuan, yongshun = shares(draw(3000, "433124")), shares(draw(3000, "433127"))
    assert huayuan[names.MIAO] > 0.65 and huayuan[names.TUJIA] < 0.2
    assert yongshun[names.TUJIA] > 0.6 and yongshun[names.MIAO] < 0.1
    # Over the prefecture, counties weighted by population: about 41 / 34 / 24 / 1.
    overall = Counter()
    total = sum(population.COUNTY_POPULATION.values())
    for county, people in population.COUNTY_POPULATION.items():
        for code, share in shares(draw(1500, county, seed=2)).items():
            overall[code] += share * people / total
    assert 0.37 < overall[names.TUJIA] < 0.45
    assert 0.30 < overall[names.MIAO] < 0.39
    assert 0.20 < overall[names.HAN] < 0.28
    assert 0.003 < sum(overall[code] for code in names.OTHER_PEOPLES) < 0.02
    # Surnames of the area: 彭 向 田 for Tujia, 龙 石 吴 麻 for Miao.
    surnames = Counter(m.name[0] for plan in draw(3000, "433124") for m in plan.members)
    assert {"龙", "石", "吴", "麻"} <= {name for name, _ in surnames.most_common(8)}


def test_ages_households_and_working_away_look_like_rural_xiangxi():
    plans = draw(20000, "433125")
    people = [member for plan in plans for member in plan.members]
    ages = [age(member.birth_date) for member in people]

    def share(condition) -> float:
        return sum(1 for a in ages if condition(a)) / len(ages)

    assert 2.8 < len(people) / len(plans) < 3.3  # 2.6 million in 850,000 households
    assert {len(plan.members) for plan in plans} == set(range(1, 8))
    assert 0.15 < share(lambda a: a < 15) < 0.28
    assert 0.30 < share(lambda a: a >= 50) < 0.45  # rural ageing
    assert 0.18 < share(lambda a: a >= 60) < 0.30
    assert max(ages) <= 99
    away = [m for m in people if m.status == ResidenceStatus.WORKING_AWAY]
    assert 0.1 < len(away) / len(people) < 0.3
    assert all(16 <= age(m.birth_date) <= 56 and m.away_since for m in away)
    assert all(m.birth_date < m.away_since < TODAY for m in away)
    # Fewer people aged 20–45 live at home than are registered: many work away.
    prime = [m for m in people if 20 <= age(m.birth_date) <= 45]
    at_home = [m for m in prime if m.status == ResidenceStatus.LIVING_HERE]
    assert len(at_home) / len(prime) < 0.75
    old_at_home = [m for m in people if age(m.birth_date) >= 60]
    assert all(m.status == ResidenceStatus.LIVING_HERE for m in old_at_home)


def test_care_groups_and_key_populations_appear_at_plausible_rates():
    plans = draw(20000, "433127", seed=3)
    people = [member for plan in plans for member in plan.members]
    counts = Counter(tag for member in people for tag, *_ in member.tags)

    def rate(tag) -> float:
        return counts[tag] / len(people)

    assert 0.02 < rate(Tag.LEFT_BEHIND_CHILD) < 0.07
    assert 0.005 < rate(Tag.LEFT_BEHIND_ELDERLY) < 0.04
    assert 0.015 < rate(Tag.ELDERLY_ALONE) < 0.06
    assert 0.02 < rate(Tag.DISABLED) < 0.06
    assert 0.03 < rate(Tag.DIBAO) < 0.10
    assert 0.001 < rate(Tag.TEKUN) < 0.01
    assert 0.15 < counts[Tag.POVERTY_EXITED] / len(plans) < 0.30  # households
    for tag in (Tag.RELEASED_PRISONER, Tag.COMMUNITY_CORRECTION, Tag.SEVERE_MENTAL_DISORDER):
        assert 0.0001 < rate(tag) < 0.008, tag
    for tag in (Tag.DRUG_USER, Tag.KEY_YOUTH, Tag.KEY_PETITIONER, Tag.AIDS_RISK):
        assert rate(tag) < 0.002, tag
    for member in people:
        tags = {tag for tag, *_ in member.tags}
        member_age = age(member.birth_date)
        if Tag.LEFT_BEHIND_CHILD in tags:
            assert member_age < 16
        if tags & {Tag.LEFT_BEHIND_ELDERLY, Tag.ELDERLY_ALONE, Tag.EMPTY_NEST}:
            assert member_age >= 60
        for _tag, _attention, start, end in member.tags:
            assert member.birth_date <= start <= TODAY
            assert end is None or end >= start


def test_left_behind_children_have_their_parents_away_for_six_months():
    for plan in draw(5000, "433123", seed=4):
        for child in plan.members:
            if not any(tag == Tag.LEFT_BEHIND_CHILD for tag, *_ in child.tags):
                continue
            if child.relation in (RelationToHead.SON, RelationToHead.DAUGHTER):
                parents = [m for m in plan.members if m.relation in ("02", "10")]
            elif plan.kind == "with_married_son":
                parents = [m for m in plan.members if m.relation in ("20", "30")]
            else:
                continue  # grandparents raising a child whose parents live elsewhere
            assert parents and all(
                p.status == ResidenceStatus.WORKING_AWAY and (TODAY - p.away_since).days >= 183
                for p in parents
            )


@pytest.mark.django_db
def test_tags_are_stored_with_the_resident_and_their_grid():
    summary = fill()

    assert summary.tags == PopulationTag.objects.count() > 0
    stored = set(PopulationTag.objects.values_list("tag", flat=True))
    assert {Tag.LEFT_BEHIND_CHILD, Tag.ELDERLY_ALONE, Tag.DISABLED, Tag.POVERTY_EXITED} <= stored
    assert not PopulationTag.objects.exclude(region_code=F("resident__region_code")).exists()
    disabled = Resident.objects.filter(tags__tag=Tag.DISABLED)
    assert disabled.exists() and not disabled.filter(disability_level="").exists()


@pytest.mark.django_db
def test_households_lie_inside_their_grid():
    fill()
    boundaries = {
        code: shape(geometry)
        for code, geometry in Region.objects.within(TOWNSHIP)
        .filter(level="grid")
        .values_list("code", "geometry")
    }
    for code, latitude, longitude in Household.objects.values_list(
        "region_code", "latitude", "longitude"
    ):
        assert boundaries[code].contains(shapely.Point(longitude, latitude)), code


@pytest.mark.django_db
def test_every_village_gets_places_and_organisations():
    summary = fill()

    villages = set(
        Region.objects.within(TOWNSHIP)
        .filter(level__in=["village", "community"])
        .values_list("code", flat=True)
    )
    branches = Organisation.objects.filter(kind="party_branch")
    assert {code[:12] for code in branches.values_list("region_code", flat=True)} == villages
    assert {code[:12] for code in Place.objects.values_list("region_code", flat=True)} == villages
    assert Place.objects.filter(kind=PlaceKind.WELL).exists()
    assert Organisation.objects.get(region_code__startswith="433124110226", kind="clinic").name == (
        "十八洞村卫生室"
    )
    assert (summary.places, summary.organisations) == (
        Place.objects.count(),
        Organisation.objects.count(),
    )


@pytest.mark.django_db
def test_a_second_run_adds_nothing_and_one_audit_entry_sums_up_the_first():
    audit_before = AuditEntry.objects.count()
    first = fill()
    counts = (Household.objects.count(), Resident.objects.count(), PopulationTag.objects.count())

    second = fill()

    assert (second.households, second.residents, second.places, second.organisations) == (
        0,
        0,
        0,
        0,
    )
    assert second.grids_skipped == first.grids_filled
    assert counts == (
        Household.objects.count(),
        Resident.objects.count(),
        PopulationTag.objects.count(),
    )
    entry = AuditEntry.objects.get(action="demo.create_register")
    assert AuditEntry.objects.count() == audit_before + 1
    assert entry.after["residents"] == first.residents


@pytest.mark.django_db
def test_the_same_seed_draws_the_same_people():
    def people() -> list[tuple]:
        return list(
            Resident.objects.order_by("region_code", "id_number").values_list(
                "region_code", "name", "id_number", "residence_status"
            )
        )

    village = TOWNSHIP + "226"
    fill(village)
    first = people()
    Resident.objects.all().delete()
    Household.objects.all().delete()

    fill(village)
    assert people() == first
    Resident.objects.all().delete()
    Household.objects.all().delete()

    fill(village, seed=SEED + 1)
    assert people() != first


@pytest.mark.django_db
def test_the_demo_command_fills_the_register_within_a_region():
    output = StringIO()
    call_command("demo", "--scale", "0.01", "--within", TOWNSHIP, stdout=output)
    again = StringIO()
    call_command("demo", "--scale", "0.01", "--within", TOWNSHIP, stdout=again)

    assert "register: " in output.getvalue() and "residents" in output.getvalue()
    assert Household.objects.exists()
    assert not Household.objects.exclude(region_code__startswith=TOWNSHIP).exists()
    assert "register: 0 households, 0 residents" in again.getvalue()


def test_household_counts_follow_the_scale_and_the_county():
    grids = [(f"433124{n:09d}", n % 5 == 0) for n in range(1, 1001)]
    grids += [(f"433126{n:09d}", False) for n in range(1, 501)]

    full = population.household_counts(grids, scale=1.0, seed=SEED)
    small = population.household_counts(grids, scale=0.02, seed=SEED)

    huayuan = sum(count for code, count in full.items() if code.startswith("433124"))
    guzhang = sum(count for code, count in full.items() if code.startswith("433126"))
    share = population.FULL_HOUSEHOLDS / sum(population.COUNTY_POPULATION.values())
    assert huayuan == pytest.approx(300 * share, rel=0.02)
    assert guzhang == pytest.approx(140 * share, rel=0.02)
    assert sum(small.values()) == pytest.approx(0.02 * sum(full.values()), rel=0.15)
    assert min(small.values()) == 1
    community = [full[code] for code, urban in grids[:1000] if urban]
    village = [full[code] for code, urban in grids[:1000] if not urban]
    assert sum(community) / len(community) > 1.5 * sum(village) / len(village)
