"""Finding people within one's scope: by name in Hanzi, full pinyin or initials, by the full
ID number or its last six, by phone; paginated, with a query count that does not grow with
the page."""

from datetime import date

import pytest

from gridgov.regions.models import Region
from gridgov.registry.models import Household, Organisation, Place, PopulationTag, RevealGrant
from gridgov.testing.personas import GRID_1, GRID_2, OTHER_GRID, persona
from gridgov.testing.register import add_person

ZHANG_SAN_ID = "43312419850412007X"  # check character X


@pytest.fixture
def people(db):
    """张三 and 张珊 in grid 1, 张三丰 in grid 2, another 张三 in 吉首市."""
    grids = {code: Region.objects.get(code=code) for code in (GRID_1, GRID_2, OTHER_GRID)}
    made = {
        "zhang_san": add_person(
            "张三", grid=grids[GRID_1], born=date(1985, 4, 12), serial=7, phone="13874310007"
        ),
        "zhang_shan": add_person("张珊", grid=grids[GRID_1], born=date(1990, 1, 1), serial=22),
        "zhang_sanfeng": add_person(
            "张三丰", grid=grids[GRID_2], born=date(1960, 6, 6), serial=55, phone="18974310055"
        ),
        "jishou_zhang_san": add_person(
            "张三", grid=grids[OTHER_GRID], born=date(1979, 9, 9), serial=91, phone="13574310091"
        ),
    }
    assert made["zhang_san"].id_number == ZHANG_SAN_ID
    return made


def _found(api, username: str, text: str, **page) -> list[str]:
    response = api(username).post("/api/residents/search", {"text": text, **page})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["items"]) or page
    return sorted(f"{person['name']}@{person['region_code'][-3:]}" for person in body["items"])


# 张三@001 is grid 1 of 十八洞村, @002 grid 2; 吉首市's grid also ends in 001, so its 张三 is
# told apart by who can see it.


@pytest.mark.parametrize(
    ("username", "text", "expected"),
    [
        ("worker_a", "张", ["张三@001", "张珊@001"]),
        ("worker_b", "张", ["张三丰@002"]),
        ("cadre", "张", ["张三@001", "张三丰@002", "张珊@001"]),
        ("cadre", "张三", ["张三@001", "张三丰@002"]),
        ("outsider", "张三", ["张三@001"]),
        ("leader", "张三", ["张三@001", "张三@001", "张三丰@002"]),
        ("handler", "张三", []),
    ],
)
def test_by_hanzi_prefix_within_scope(username, text, expected, api, people):
    assert _found(api, username, text) == expected


@pytest.mark.parametrize(
    ("username", "text", "expected"),
    [
        ("worker_a", "zhangsan", ["张三@001"]),
        ("worker_a", "ZhangSan", ["张三@001"]),
        ("worker_a", "zhang san", ["张三@001"]),
        ("worker_a", "zhangshan", ["张珊@001"]),
        ("worker_a", "zhang", ["张三@001", "张珊@001"]),
        ("cadre", "zhangsan", ["张三@001", "张三丰@002"]),
        ("worker_a", "zs", ["张三@001", "张珊@001"]),
        ("worker_a", "ZS", ["张三@001", "张珊@001"]),
        ("cadre", "zsf", ["张三丰@002"]),
        ("worker_b", "zs", ["张三丰@002"]),
    ],
)
def test_by_full_pinyin_or_initials(username, text, expected, api, people):
    assert _found(api, username, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        ZHANG_SAN_ID,
        ZHANG_SAN_ID.lower(),
        "433124 19850412 007X",
        "12007X",  # the last six, ending in X
        "12007x",
        "13874310007",
        "138-7431-0007",
        "+86 138 7431 0007",
    ],
)
def test_by_id_number_last_six_or_phone(text, api, people):
    assert _found(api, "worker_a", text) == ["张三@001"]


@pytest.mark.parametrize(
    ("username", "person"),
    [
        ("worker_a", "zhang_sanfeng"),
        ("worker_a", "jishou_zhang_san"),
        ("outsider", "zhang_san"),
        ("handler", "zhang_san"),
    ],
)
def test_numbers_of_people_out_of_scope_find_nothing(username, person, api, people):
    resident = people[person]
    for text in (resident.id_number, resident.id_number[-6:], resident.phone):
        if text:
            response = api(username).post("/api/residents/search", {"text": text})
            assert response.json() == {"items": [], "count": 0}, text


def test_something_nobody_matches(api, people):
    assert _found(api, "cadre", "王") == []
    assert _found(api, "cadre", "433124198504120070") == []  # a wrong check character


def test_an_empty_search_is_refused(api, error_fields):
    assert error_fields(api("worker_a").post("/api/residents/search", {"text": ""})) == {"text"}


def test_results_come_in_pages_with_the_total(api, people):
    client = api("cadre")
    pages = []
    for offset in (0, 2, 4):
        response = client.post(
            "/api/residents/search", {"text": "zh", "limit": 2, "offset": offset}
        )
        body = response.json()
        assert body["count"] == 3
        pages.append([person["uuid"] for person in body["items"]])
    assert [len(page) for page in pages] == [2, 1, 0]
    assert len(set(pages[0] + pages[1])) == 3
    # The list in the URL pages the same way.
    listed = client.get("/api/residents/", {"q": "zh", "limit": 2, "offset": 2}).json()
    assert listed["count"] == 3 and len(listed["items"]) == 1
    assert listed["items"][0]["uuid"] == pages[1][0]


def test_a_search_within_part_of_the_scope(api, people):
    response = api("cadre").post("/api/residents/search", {"text": "张", "within": GRID_2})
    assert [person["name"] for person in response.json()["items"]] == ["张三丰"]


# --- Query counts ---


@pytest.fixture
def crowd(db):
    """Sixty people with tags in twenty households of grid 1, places and organisations, and a
    reveal grant, so that every part of a page (members, tags, clear values) is exercised."""
    grid = Region.objects.get(code=GRID_1)
    worker = persona("worker_a")
    for number in range(20):
        household = Household.objects.create(
            grid=grid, region_code=GRID_1, address=f"张家寨 {number} 号"
        )
        for member in range(3):
            serial = number * 3 + member
            resident = add_person(
                f"张{'一二三四五六七八九十'[number % 10]}{member}",
                grid=grid,
                born=date(1960 + number, 1 + member, 1),
                serial=serial * 2 + 1,
                phone=f"1397431{serial:04d}",
                household=household,
            )
            PopulationTag.objects.create(
                resident=resident,
                region_code=GRID_1,
                tag="drug_user" if member == 0 else "dibao",
                start_date=date(2020, 1, 1),
            )
            if serial % 7 == 0:
                RevealGrant.objects.create(
                    user=worker, resident=resident, reason="测试", expires_at="2999-01-01T00:00Z"
                )
        Place.objects.create(grid=grid, region_code=GRID_1, kind="well", name=f"井 {number}")
        Organisation.objects.create(
            grid=grid, region_code=GRID_1, kind="enterprise", name=f"企业 {number}"
        )


PAGED = [
    ("GET", "/api/residents/", {}),
    ("GET", "/api/residents/", {"tag": "dibao"}),
    ("GET", "/api/residents/", {"q": "zh"}),
    ("POST", "/api/residents/search", {"text": "zh"}),
    ("POST", "/api/residents/search", {"text": "张"}),
    ("GET", "/api/households/", {}),
    ("GET", "/api/places/", {}),
    ("GET", "/api/organisations/", {}),
]


def _items(response) -> list:
    body = response.json()
    return body["items"] if isinstance(body, dict) else body


@pytest.mark.parametrize(
    ("method", "url", "params"), PAGED, ids=[f"{m} {u} {p}" for m, u, p in PAGED]
)
def test_queries_do_not_grow_with_the_page(
    method, url, params, api, crowd, django_assert_max_num_queries
):
    client = api("worker_a")

    def page(limit: int):
        if method == "GET":
            return client.get(url, {**params, "limit": limit})
        return client.post(url, {**params, "limit": limit})

    page(5)  # the session and the user's roles are loaded once, like on any later request
    with django_assert_max_num_queries(12) as small:
        five = page(5)
    with django_assert_max_num_queries(12) as large:
        fifty = page(50)
    assert len(_items(five)) == 5
    assert len(_items(fifty)) >= 20
    assert len(small) == len(large)


def test_household_card_queries_do_not_grow_with_its_members(
    api, crowd, register, django_assert_max_num_queries
):
    client = api("worker_a")
    big = Household.objects.filter(address="张家寨 0 号").get()
    small = register.households["household_1b"]  # one member
    with django_assert_max_num_queries(12) as one:
        assert len(client.get(f"/api/households/{small.uuid}").json()["members"]) == 1
    with django_assert_max_num_queries(12) as three:
        assert len(client.get(f"/api/households/{big.uuid}").json()["members"]) == 3
    assert len(one) == len(three)


def _household(grid_code: str, address: str, number: str = "") -> Household:
    grid = Region.objects.get(code=grid_code)
    return Household.objects.create(
        grid=grid, region_code=grid.code, address=address, house_number=number
    )


@pytest.mark.django_db
def test_by_part_of_the_address_within_scope(api):
    five = _household(GRID_1, "金鸡岭村九十九组", "12")
    six = _household(GRID_1, "银杏坳村八十八组", "3")
    outside = _household(OTHER_GRID, "矮寨镇九十九组", "12")
    for name, household, serial in (("龙大", five, 1), ("龙二", six, 2), ("石三", outside, 3)):
        grid = Region.objects.get(code=household.region_code)
        add_person(name, grid=grid, born=date(1970, 1, 1), serial=serial, household=household)

    def names(username, **body):
        response = api(username).post("/api/residents/search", body)
        assert response.status_code == 200, response.content
        return [item["name"] for item in response.json()["items"]]

    assert names("worker_a", address="九十九组") == ["龙大"]
    assert names("worker_a", address="金鸡岭") == ["龙大"]
    assert sorted(names("leader", address="九十九组")) == sorted(["石三", "龙大"])
    assert names("worker_a", address="九十九组", text="龙") == ["龙大"]
    assert names("worker_a", address="七十七组") == []


@pytest.mark.django_db
def test_a_search_needs_something_to_look_for(api):
    response = api("worker_a").post("/api/residents/search", {"text": " ", "address": ""})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "text"
