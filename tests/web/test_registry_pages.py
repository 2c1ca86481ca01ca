"""The register's pages: households, people, places and organisations.

In scope they show, out of scope they are 404; people are masked until someone with the
permission gives a reason; forms create one record however often they are sent; the
actions' refusals appear next to the field; ID numbers and phones never appear in a URL.
"""

import re
import uuid
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from gridgov.accounts.masking import mask_id_number, mask_phone
from gridgov.regions.models import Region
from gridgov.registry import actions, idnumbers, privacy
from gridgov.registry.models import (
    Household,
    Organisation,
    Place,
    PopulationTag,
    Resident,
    RevealGrant,
)
from gridgov.testing import personas

TODAY = timezone.localdate()
ADULT_ID = idnumbers.make("433124", date(1975, 3, 8), 131)
ADULT_PHONE = "13874312345"
CHILD_ID = idnumbers.make("433124", date(TODAY.year - 8, 6, 1), 262)
NEIGHBOUR_ID = idnumbers.make("433124", date(1968, 9, 30), 57)
OTHER_ID = idnumbers.make("433101", date(1981, 12, 12), 19)
# Anything that looks like an ID number (17 digits and a check character) or a mobile number.
PRIVATE_IN_URL = re.compile(r"[0-9]{17}[0-9X]|1[3-9][0-9]{9}")
URL_ATTRIBUTE = re.compile(r'\b(?:href|action|src|formaction)="([^"]*)"')


def _make(actor_name: str, grid_code: str, address: str, house_number: str = "", **fields):
    actor = personas.persona(actor_name)
    grid = Region.objects.get(code=grid_code)
    household, _ = actions.create_household(
        actor=actor, grid=grid, address=address, house_number=house_number, **fields
    )
    return actor, household


@pytest.fixture
def register(db) -> SimpleNamespace:
    """A household in grid 1 (a tagged adult head and a child), one in grid 2 and one in
    another county; a place and an organisation in grid 1."""
    worker, home = _make("worker_a", personas.GRID_1, "十八洞村梨子寨", "1号", housing_safety="C")
    adult, _ = actions.create_resident(
        actor=worker,
        household=home,
        name="龙建国",
        id_number=ADULT_ID,
        phone=ADULT_PHONE,
        relation_to_head="02",
        ethnicity="06",
    )
    child, _ = actions.create_resident(
        actor=worker, household=home, name="龙小燕", id_number=CHILD_ID, relation_to_head="30"
    )
    actions.update_household(actor=worker, household=home, changes={"head": adult})
    actions.add_tag(
        actor=worker, resident=adult, tag="released_prisoner", start_date=date(2023, 6, 1)
    )
    dibao, _ = actions.add_tag(
        actor=worker, resident=adult, tag="dibao", start_date=date(2020, 1, 1)
    )
    grid = Region.objects.get(code=personas.GRID_1)
    place, _ = actions.create_place(
        actor=worker,
        grid=grid,
        kind="well",
        name="梨子寨古井",
        latitude=(grid.centroid_lat or 28.0) + 0.001,
        longitude=grid.centroid_lon or 109.5,
        keeper_name="施成富",
        keeper_phone="13874300001",
    )
    organisation, _ = actions.create_organisation(
        actor=worker,
        grid=grid,
        kind="cooperative",
        name="猕猴桃合作社",
        contact_name="施全友",
        contact_phone="13874300002",
        size=46,
    )
    neighbour_worker, neighbour_home = _make("worker_b", personas.GRID_2, "十八洞村竹子寨", "5号")
    neighbour, _ = actions.create_resident(
        actor=neighbour_worker, household=neighbour_home, name="隆德明", id_number=NEIGHBOUR_ID
    )
    actions.update_household(
        actor=neighbour_worker, household=neighbour_home, changes={"head": neighbour}
    )
    outsider, other_home = _make("outsider", personas.OTHER_GRID, "矮寨", "8号")
    other, _ = actions.create_resident(
        actor=outsider, household=other_home, name="龙光荣", id_number=OTHER_ID
    )
    return SimpleNamespace(
        home=home,
        adult=adult,
        child=child,
        dibao=dibao,
        place=place,
        organisation=organisation,
        neighbour_home=neighbour_home,
        neighbour=neighbour,
        other_home=other_home,
        other=other,
    )


def _card(household) -> str:
    return f"/households/{household.uuid}/"


def _person(resident) -> str:
    return f"/residents/{resident.uuid}/"


def _field_block(page: str, name: str) -> str:
    """The HTML of one form field (label, input, help, errors)."""
    match = re.search(
        rf'<div class="field[^"]*">\s*<label for="id_{name}">.*?</div>', page, flags=re.DOTALL
    )
    assert match, f"no field {name} in the page"
    return match.group(0)


def _urls(page: str) -> list[str]:
    return URL_ATTRIBUTE.findall(page)


def _reveal(client, resident, reason: str = "入户核实身份信息"):
    return client.post(f"/residents/{resident.uuid}/reveal/", {"reveal-reason": reason})


# --- Scope ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "record", "status"),
    [
        ("worker_a", "home", 200),
        ("worker_a", "neighbour_home", 404),
        ("worker_a", "other_home", 404),
        ("worker_b", "home", 404),
        ("cadre", "home", 200),
        ("cadre", "neighbour_home", 200),
        ("township", "neighbour_home", 200),
        ("leader", "other_home", 200),
        ("outsider", "home", 404),
        ("handler", "home", 404),  # departments see people through their cases only
    ],
)
def test_household_card_in_scope_is_shown_and_404_outside(
    client_of, register, username, record, status
):
    assert client_of(username).get(_card(getattr(register, record))).status_code == status


@pytest.mark.parametrize(
    ("username", "record", "status"),
    [
        ("worker_a", "adult", 200),
        ("worker_a", "neighbour", 404),
        ("worker_b", "adult", 404),
        ("cadre", "neighbour", 200),
        ("outsider", "adult", 404),
    ],
)
def test_resident_page_in_scope_is_shown_and_404_outside(
    client_of, register, username, record, status
):
    assert client_of(username).get(_person(getattr(register, record))).status_code == status


def test_users_without_the_register_get_not_found_and_no_navigation(client_of):
    client = client_of("handler")
    assert client.get("/households/").status_code == 404
    assert client.get("/residents/").status_code == 404
    home = client.get("/").content.decode()
    assert 'href="/households/' not in home


def test_lists_show_only_the_scope(client_of, register):
    page = client_of("worker_a").get("/households/").content.decode()
    assert _card(register.home) in page
    assert _card(register.neighbour_home) not in page
    assert _card(register.other_home) not in page
    page = client_of("cadre").get("/households/").content.decode()
    assert _card(register.home) in page and _card(register.neighbour_home) in page


def test_leader_sees_but_cannot_change_or_reveal(client_of, register):
    client = client_of("leader")
    card = client.get(_card(register.home)).content.decode()
    assert "添加成员" not in card
    assert f"/households/{register.home.uuid}/edit/" not in card
    person = client.get(_person(register.adult)).content.decode()
    assert "reveal-reason" not in person
    assert client.get(f"/households/{register.home.uuid}/edit/").status_code == 403
    assert client.get("/households/new/").status_code == 403
    assert _reveal(client, register.adult).status_code == 403
    assert not RevealGrant.objects.exists()


def test_pages_with_people_are_not_cached(client_of, register):
    client = client_of("worker_a")
    for path in (_card(register.home), _person(register.adult), "/households/"):
        assert "no-store" in client.get(path)["Cache-Control"]


# --- Masking --------------------------------------------------------------------------------


def test_household_card_masks_by_default(client_of, register):
    page = client_of("worker_a").get(_card(register.home)).content.decode()
    assert mask_id_number(ADULT_ID) in page
    assert ADULT_ID not in page
    assert mask_phone(ADULT_PHONE) in page
    assert ADULT_PHONE not in page
    # A key-population tag is hidden; a care group is not.
    assert "刑满释放人员" not in page
    assert privacy.SENSITIVE_TAG_LABEL in page
    assert "低保对象" in page
    # Everything about a child is hidden, the name included.
    assert "龙小燕" not in page
    assert CHILD_ID not in page
    assert "龙**" in page


def test_household_card_shows_facts_places_and_the_map(client_of, register):
    page = client_of("worker_a").get(_card(register.home)).content.decode()
    assert "十八洞村梨子寨" in page
    assert "C级（局部危险）" in page
    assert "梨子寨古井" in page
    assert f'data-geojson-url="/api/regions/{personas.GRID_1}/map"' in page
    assert "data-point-lat=" in page
    # The visits section: the plan of a household with an elderly person living alone.
    assert "走访" in page


def test_resident_page_masks_by_default(client_of, register):
    page = client_of("worker_a").get(_person(register.adult)).content.decode()
    assert mask_id_number(ADULT_ID) in page
    assert ADULT_ID not in page and ADULT_PHONE not in page
    assert not re.search(r'class="chip[^"]*">刑满释放人员<', page)  # (the add-tag form lists it)
    assert re.search(rf'class="chip chip-masked">{re.escape(privacy.SENSITIVE_TAG_LABEL)}<', page)
    assert "reveal-reason" in page  # a worker may ask to see it in clear


def test_child_page_hides_the_child(client_of, register):
    page = client_of("worker_a").get(_person(register.child)).content.decode()
    assert "龙小燕" not in page
    assert CHILD_ID not in page
    assert "儿童的信息全部隐藏" in page


# --- Showing in clear -------------------------------------------------------------------------


def test_reveal_needs_a_reason_shown_next_to_the_field(client_of, register):
    response = _reveal(client_of("worker_a"), register.adult, reason="")
    assert response.status_code == 200
    block = _field_block(response.content.decode(), "reveal-reason")
    assert "请说明查看原因" in block
    assert "State why you need to see this" in block
    assert not RevealGrant.objects.exists()


def test_reveal_with_a_reason_shows_clear_values_until_it_lapses(client_of, register):
    client = client_of("worker_a")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        response = _reveal(client, register.adult)
        assert response.status_code == 302
        assert response["Location"] == _person(register.adult)
        page = client.get(_person(register.adult)).content.decode()
        assert ADULT_ID in page
        assert ADULT_PHONE in page
        assert re.search(r'class="chip[^"]*">刑满释放人员<', page)
        until = timezone.localtime(timezone.now() + timedelta(minutes=privacy.REVEAL_MINUTES))
        assert f"{until:%H:%M} 后自动恢复隐藏" in page
        assert "reveal-reason" not in page  # nothing more to reveal
        # On the household card only this person is in clear: the child stays hidden.
        card = client.get(_card(register.home)).content.decode()
        assert ADULT_ID in card and "龙小燕" not in card
        # The grant is the user's own: a colleague still sees the masked values.
        assert ADULT_ID not in client_of("cadre").get(_person(register.adult)).content.decode()

        clock.shift(timedelta(minutes=privacy.REVEAL_MINUTES, seconds=1))
        # (A new session: the old one has been idle for as long as the grant lasts.)
        page = client_of("worker_a").get(_person(register.adult)).content.decode()
        assert ADULT_ID not in page
        assert mask_id_number(ADULT_ID) in page
    grant = RevealGrant.objects.get()
    assert grant.reason == "入户核实身份信息"


# --- Forms create once ------------------------------------------------------------------------


def _household_form(key: str, **fields) -> dict:
    return {
        "uuid": key,
        "grid": personas.GRID_1,
        "address": "十八洞村飞虫寨",
        "house_number": "15号",
        "household_type": "registered",
        "housing_safety": "D",
        **fields,
    }


def _resident_form(key: str, **fields) -> dict:
    return {
        "uuid": key,
        "name": "麻金花",
        "id_number": idnumbers.make("433124", date(1990, 2, 14), 246),
        "residence_status": "living_here",
        "disability_level": "",
        **fields,
    }


def test_new_household_form_renders_a_fresh_uuid_each_time(client_of, register):
    client = client_of("worker_a")
    pattern = re.compile(r'name="uuid" value="([0-9a-f-]{36})"')
    first = pattern.search(client.get("/households/new/").content.decode()).group(1)
    second = pattern.search(client.get("/households/new/").content.decode()).group(1)
    assert first != second


def test_household_form_creates_one_household_when_sent_twice(client_of, register):
    client = client_of("worker_a")
    key = str(uuid.uuid4())
    first = client.post("/households/new/", _household_form(key))
    second = client.post("/households/new/", _household_form(key))
    assert first.status_code == second.status_code == 302
    household = Household.objects.get(uuid=key)
    assert first["Location"] == second["Location"] == _card(household)
    assert household.housing_safety == "D"
    assert Household.objects.filter(address="十八洞村飞虫寨").count() == 1


def test_household_form_preselects_the_grid_from_the_region_page(client_of, register):
    page = client_of("cadre").get(f"/households/new/?grid={personas.GRID_2}").content.decode()
    assert f'<option value="{personas.GRID_2}" selected>' in page


def test_household_form_offers_only_grids_the_user_may_change(client_of, register):
    page = client_of("cadre").get("/households/new/").content.decode()
    assert f'value="{personas.GRID_1}"' in page and f'value="{personas.GRID_2}"' in page
    response = client_of("worker_a").post(
        "/households/new/", _household_form(str(uuid.uuid4()), grid=personas.GRID_2)
    )
    assert response.status_code == 200
    assert "field-error" in _field_block(response.content.decode(), "grid")
    assert not Household.objects.filter(address="十八洞村飞虫寨").exists()


def test_resident_form_creates_one_person_when_sent_twice(client_of, register):
    client = client_of("worker_a")
    key = str(uuid.uuid4())
    path = f"/households/{register.home.uuid}/residents/new/"
    first = client.post(path, _resident_form(key))
    second = client.post(path, _resident_form(key))
    assert first.status_code == second.status_code == 302
    person = Resident.objects.get(uuid=key)
    assert first["Location"] == second["Location"] == _person(person)
    # Birth date and sex come from the ID number.
    assert person.birth_date == date(1990, 2, 14)
    assert person.sex == "2"
    assert person.household == register.home
    assert Resident.objects.filter(name="麻金花").count() == 1


def test_tag_form_adds_one_tag_when_sent_twice(client_of, register):
    client = client_of("worker_a")
    data = {
        "tag-uuid": str(uuid.uuid4()),
        "tag-tag": "empty_nest",
        "tag-attention_level": "general",
        "tag-start_date": "2024-05-01",
    }
    path = f"/residents/{register.adult.uuid}/tags/"
    assert client.post(path, data).status_code == 302
    assert client.post(path, data).status_code == 302
    assert PopulationTag.objects.filter(resident=register.adult, tag="empty_nest").count() == 1


@pytest.mark.parametrize(
    ("path", "model", "fields"),
    [
        ("/places/new/", Place, {"kind": "bridge", "name": "风雨桥", "keeper_phone": ""}),
        (
            "/organisations/new/",
            Organisation,
            {"kind": "school", "name": "十八洞村小学", "size": "120"},
        ),
    ],
)
def test_place_and_organisation_forms_create_once(client_of, register, path, model, fields):
    client = client_of("worker_a")
    data = {"uuid": str(uuid.uuid4()), "grid": personas.GRID_1, **fields}
    assert client.post(path, data).status_code == 302
    assert client.post(path, data).status_code == 302
    assert model.objects.filter(name=fields["name"]).count() == 1


# --- Validation errors next to the field ------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"id_number": ADULT_ID[:-1] + ("0" if ADULT_ID[-1] != "0" else "1")},
            "id_number",
            "校验位不正确",
        ),
        ({"id_number": "433124750308131"}, "id_number", "15 位旧身份证号码已停用"),
        ({"id_number": "433124199002304321"}, "id_number", "不存在"),
        ({"id_number": ADULT_ID}, "id_number", "该身份证号码已登记"),
        ({"birth_date": "1990-02-15"}, "birth_date", "出生日期与身份证号码不符"),
        ({"sex": "1"}, "sex", "性别与身份证号码不符"),
        ({"name": ""}, "name", "姓名必填"),
        ({"phone": "12345"}, "phone", "电话号码"),
    ],
)
def test_resident_form_shows_the_action_errors_next_to_the_field(
    client_of, register, fields, field, message
):
    response = client_of("worker_a").post(
        f"/households/{register.home.uuid}/residents/new/",
        _resident_form(str(uuid.uuid4()), **fields),
    )
    assert response.status_code == 200
    block = _field_block(response.content.decode(), field)
    assert 'class="field has-error"' in block
    assert message in block
    assert not Resident.objects.filter(name="麻金花").exists()


def test_a_corrected_form_keeps_its_uuid_and_creates_once(client_of, register):
    client = client_of("worker_a")
    key = str(uuid.uuid4())
    path = f"/households/{register.home.uuid}/residents/new/"
    refused = client.post(path, _resident_form(key, sex="1")).content.decode()
    assert f'value="{key}"' in refused
    assert client.post(path, _resident_form(key)).status_code == 302
    assert client.post(path, _resident_form(key)).status_code == 302
    assert Resident.objects.filter(uuid=key).count() == 1


def test_household_form_requires_an_address(client_of, register):
    response = client_of("worker_a").post(
        "/households/new/", _household_form(str(uuid.uuid4()), address="")
    )
    assert response.status_code == 200
    assert "field-error" in _field_block(response.content.decode(), "address")


# --- ID numbers never in a URL ----------------------------------------------------------------


def test_no_id_number_or_phone_in_any_url_of_the_pages(client_of, register):
    client = client_of("cadre")
    # With the adult shown in clear, the pages carry their clear values in the body.
    assert _reveal(client, register.adult).status_code == 302
    responses = [
        client.get("/"),
        client.get("/households/"),
        client.get("/households/", {"within": personas.VILLAGE, "housing_safety": "C"}),
        client.get(_card(register.home)),
        client.get(f"/households/{register.home.uuid}/edit/"),
        client.get(f"/households/{register.home.uuid}/residents/new/"),
        client.get(_person(register.adult)),
        client.get(f"/residents/{register.adult.uuid}/edit/"),
        client.get(f"/residents/{register.adult.uuid}/move/"),
        client.get("/residents/"),
        client.post("/residents/", {"text": ADULT_ID}),
        client.post("/residents/", {"text": ADULT_ID[-6:]}),
        client.post("/residents/", {"text": ADULT_PHONE}),
        client.post("/residents/", {"text": "long"}),
        client.get("/places/"),
        client.get("/organisations/"),
        client.get(f"/regions/{personas.GRID_1}/"),
        client.post(
            f"/households/{register.home.uuid}/residents/new/",
            _resident_form(str(uuid.uuid4()), sex="1"),
        ),
    ]
    assert ADULT_ID in responses[6].content.decode()  # the check below has something to find
    for response in responses:
        assert response.status_code == 200, response
        body = response.content.decode()
        for url in _urls(body):
            assert not PRIVATE_IN_URL.search(url), url
        assert "{#" not in body and "{%" not in body  # no template syntax leaks into a page


def test_redirects_carry_no_id_number(client_of, register):
    client = client_of("worker_a")
    key = str(uuid.uuid4())
    response = client.post(f"/households/{register.home.uuid}/residents/new/", _resident_form(key))
    assert not PRIVATE_IN_URL.search(response["Location"])


def test_people_search_is_a_post_form(client_of, register):
    client = client_of("worker_a")
    page = client.get("/residents/").content.decode()
    assert re.search(r'<form[^>]*method="post"[^>]*action="/residents/"', page)
    # A search typed into the address bar searches nothing.
    page = client.get("/residents/", {"text": ADULT_ID}).content.decode()
    assert mask_id_number(ADULT_ID) not in page


def test_household_list_refuses_an_id_number_in_its_url(client_of, register):
    client = client_of("worker_a")
    response = client.get("/households/", {"q": ADULT_ID})
    # Sent straight to a clean address, so the number stays neither in the address bar nor
    # in the page (the language switch repeats the current address).
    assert response.status_code == 302
    assert response["Location"] == "/households/"
    page = client.get(response["Location"]).content.decode()
    assert "请到“查找人员”页面查询" in page
    assert ADULT_ID not in page


def test_household_search_box_refuses_long_digit_runs_in_the_browser(client_of, register):
    page = client_of("worker_a").get("/households/").content.decode()
    assert re.search(r'<input type="search" name="q"[^>]*pattern="', page)


# --- Search -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["龙建国", "龙", "longjianguo", "ljg", ADULT_ID, ADULT_ID[-6:], ADULT_PHONE]
)
def test_people_search_finds_by_name_pinyin_initials_id_and_phone(client_of, register, text):
    page = client_of("worker_a").post("/residents/", {"text": text}).content.decode()
    results = page.split('aria-labelledby="results-title"')[1]
    assert _person(register.adult) in results
    assert mask_id_number(ADULT_ID) in results  # results are masked too
    assert ADULT_ID not in results


def test_people_search_stays_in_scope(client_of, register):
    page = client_of("worker_a").post("/residents/", {"text": NEIGHBOUR_ID}).content.decode()
    assert _person(register.neighbour) not in page
    assert "没有找到匹配的人员" in page
    page = client_of("cadre").post("/residents/", {"text": NEIGHBOUR_ID}).content.decode()
    assert _person(register.neighbour) in page


def test_people_search_within_a_grid(client_of, register):
    client = client_of("cadre")
    page = client.post("/residents/", {"text": "l", "within": personas.GRID_2}).content.decode()
    assert _person(register.neighbour) in page
    assert _person(register.adult) not in page


# --- Lists and filters --------------------------------------------------------------------------


def test_household_row_shows_address_head_size_and_safety(client_of, register):
    page = client_of("worker_a").get("/households/").content.decode()
    row = page.split(_card(register.home))[1].split("</li>")[0]
    assert "十八洞村梨子寨" in row and "1号" in row
    assert "龙建国" in row
    assert "2 人" in row
    assert "C级（局部危险）" in row


@pytest.mark.parametrize(
    ("filters", "home_shown", "neighbour_shown"),
    [
        ({"within": personas.GRID_1}, True, False),
        ({"within": personas.GRID_2}, False, True),
        ({"within": personas.VILLAGE}, True, True),
        ({"housing_safety": "C"}, True, False),
        ({"housing_safety": "none"}, False, True),
        ({"tag": "dibao"}, True, False),
        ({"tag": "released_prisoner"}, True, False),
        ({"q": "梨子寨"}, True, False),
        ({"q": "隆德"}, False, True),
    ],
)
def test_household_filters(client_of, register, filters, home_shown, neighbour_shown):
    page = client_of("cadre").get("/households/", filters).content.decode()
    assert (_card(register.home) in page) is home_shown
    assert (_card(register.neighbour_home) in page) is neighbour_shown


def test_within_outside_the_scope_shows_nothing(client_of, register):
    page = client_of("worker_a").get("/households/", {"within": personas.OTHER_GRID})
    assert _card(register.other_home) not in page.content.decode()
    assert "field-error" in page.content.decode()


def test_key_population_filters_only_for_those_who_follow_them(client_of, register):
    assert 'value="released_prisoner"' in client_of("worker_a").get("/households/").content.decode()
    page = client_of("leader").get("/households/").content.decode()
    assert 'value="released_prisoner"' not in page
    assert 'value="dibao"' in page


def test_household_list_pages_keep_the_filters(client_of, register, django_assert_max_num_queries):
    worker = personas.persona("worker_a")
    grid = Region.objects.get(code=personas.GRID_1)
    for number in range(25):
        household, _ = actions.create_household(
            actor=worker, grid=grid, address="当戎寨", house_number=f"{number}号"
        )
        head, _ = actions.create_resident(actor=worker, household=household, name=f"彭{number}")
        actions.update_household(actor=worker, household=household, changes={"head": head})
    client = client_of("worker_a")
    with django_assert_max_num_queries(14):
        first = client.get("/households/", {"q": "当戎寨"}).content.decode()
    assert "共 25 户" in first
    assert 'href="?q=%E5%BD%93%E6%88%8E%E5%AF%A8&amp;page=2"' in first
    second = client.get("/households/", {"q": "当戎寨", "page": 2}).content.decode()
    assert second.count('class="record"') == 5


def test_places_and_organisations_lists_mask_phones(client_of, register):
    client = client_of("worker_a")
    places = client.get("/places/").content.decode()
    assert "梨子寨古井" in places and mask_phone("13874300001") in places
    assert "13874300001" not in places
    organisations = client.get("/organisations/").content.decode()
    assert "猕猴桃合作社" in organisations and "13874300002" not in organisations
    assert "猕猴桃合作社" not in client_of("worker_b").get("/organisations/").content.decode()
    filtered = client.get("/places/", {"kind": "bridge"}).content.decode()
    assert "梨子寨古井" not in filtered


# --- Changing and moving --------------------------------------------------------------------------


def test_resident_edit_does_not_put_the_id_number_in_the_page(client_of, register):
    client = client_of("worker_a")
    path = f"/residents/{register.adult.uuid}/edit/"
    page = client.get(path).content.decode()
    assert ADULT_ID not in page and ADULT_PHONE not in page
    assert f'placeholder="{mask_id_number(ADULT_ID)}"' in page
    data = {
        "version": register.adult.version,
        "name": "龙建国",
        "id_number": "",
        "phone": "",
        "ethnicity": "15",
        "relation_to_head": "02",
        "residence_status": "working_away",
        "disability_level": "",
    }
    assert client.post(path, data).status_code == 302
    register.adult.refresh_from_db()
    assert register.adult.id_number == ADULT_ID  # empty means unchanged
    assert register.adult.phone == ADULT_PHONE
    assert register.adult.ethnicity == "15"
    assert register.adult.residence_status == "working_away"


def test_resident_edit_refuses_a_stale_version(client_of, register):
    client = client_of("worker_a")
    data = {
        "version": register.adult.version - 1 if register.adult.version > 1 else 99,
        "name": "龙建国",
        "residence_status": "living_here",
        "disability_level": "",
    }
    page = client.post(f"/residents/{register.adult.uuid}/edit/", data).content.decode()
    assert "记录已被他人修改" in page


def test_a_childs_record_is_edited_only_after_showing_it_in_clear(client_of, register):
    client = client_of("worker_a")
    response = client.get(f"/residents/{register.child.uuid}/edit/")
    assert response.status_code == 302 and response["Location"] == _person(register.child)
    _reveal(client, register.child)
    page = client.get(f"/residents/{register.child.uuid}/edit/").content.decode()
    assert 'value="龙小燕"' in page


def test_household_edit_changes_safety_and_head(client_of, register):
    client = client_of("worker_a")
    data = {
        "version": Household.objects.get(pk=register.home.pk).version,
        "grid": personas.GRID_1,
        "address": "十八洞村梨子寨",
        "house_number": "1号",
        "household_type": "registered",
        "housing_safety": "B",
        "head": str(register.adult.uuid),
    }
    page = client.get(f"/households/{register.home.uuid}/edit/").content.decode()
    assert "龙小燕" not in page  # the head select shows names as masked as the card
    assert client.post(f"/households/{register.home.uuid}/edit/", data).status_code == 302
    register.home.refresh_from_db()
    assert register.home.housing_safety == "B"


def test_move_to_another_household_of_the_village(client_of, register):
    client = client_of("cadre")
    page = client.get(_person(register.neighbour)).content.decode()
    assert f'value="{register.home.uuid}"' in page  # offered in the move form
    response = client.post(
        f"/residents/{register.neighbour.uuid}/move/",
        {"move-household": str(register.home.uuid), "move-reason": "投亲"},
    )
    assert response.status_code == 302
    register.neighbour.refresh_from_db()
    assert register.neighbour.household == register.home
    assert register.neighbour.region_code == personas.GRID_1
    page = client.get(_person(register.neighbour)).content.decode()
    assert "投亲" in page and "十八洞村竹子寨" in page  # the history


def test_move_search_finds_households_by_address(client_of, register):
    page = (
        client_of("cadre")
        .get(f"/residents/{register.neighbour.uuid}/move/", {"q": "梨子寨"})
        .content.decode()
    )
    assert f'value="{register.home.uuid}"' in page


def test_a_worker_cannot_move_someone_out_of_reach(client_of, register):
    response = client_of("worker_a").post(
        f"/residents/{register.adult.uuid}/move/",
        {"move-household": str(register.neighbour_home.uuid)},
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    register.adult.refresh_from_db()
    assert register.adult.household == register.home


def test_end_a_tag(client_of, register):
    client = client_of("worker_a")
    path = f"/residents/{register.adult.uuid}/tags/{register.dibao.uuid}/end/"
    response = client.post(path, {"end-end_date": "2019-01-01"})
    assert "结束日期早于开始日期" in response.content.decode()
    assert client.post(path, {"end-end_date": TODAY.isoformat()}).status_code == 302
    register.dibao.refresh_from_db()
    assert register.dibao.end_date == TODAY


# --- Ways in ---------------------------------------------------------------------------------------


def test_region_page_counts_the_households_here(client_of, register):
    page = client_of("worker_a").get(f"/regions/{personas.GRID_1}/").content.decode()
    assert f'href="/households/?within={personas.GRID_1}"' in page
    assert "1 户" in page
    assert f'href="/households/new/?grid={personas.GRID_1}"' in page
    village = client_of("cadre").get(f"/regions/{personas.VILLAGE}/").content.decode()
    assert "2 户" in village
    assert "本区域的住户" not in client_of("handler").get("/regions/433124/").content.decode()


def test_home_and_navigation_lead_to_the_register(client_of, register):
    page = client_of("worker_a").get("/").content.decode()
    for path in ("/households/", "/residents/", "/places/", "/organisations/"):
        assert f'href="{path}"' in page
    assert f'href="/households/?within={personas.GRID_1}"' in page


def test_pages_in_english(client_of, register):
    client = client_of("worker_a")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(_card(register.home)).content.decode()
    assert "Members" in page
    assert "Add a member" in page


def test_people_search_pages_by_post(client_of, register):
    worker = personas.persona("worker_a")
    for number in range(22):
        actions.create_resident(actor=worker, household=register.home, name=f"龙{number:02d}")
    client = client_of("worker_a")
    first = client.post("/residents/", {"text": "龙"}).content.decode()
    assert "第 1 / 2 页" in first
    # The next page is a POST form repeating the search: nothing goes into a link.
    assert re.search(r'<button type="submit" name="page" value="2"', first)
    assert "page=2" not in first
    second = client.post("/residents/", {"text": "龙", "page": "2"}).content.decode()
    assert "第 2 / 2 页" in second


def test_a_place_is_changed_and_its_keepers_phone_never_shown(client_of):
    from gridgov.registry import actions as registry_actions
    from gridgov.registry.models import Place

    worker = personas.persona("worker_a")
    grid = Region.objects.get(code=personas.GRID_1)
    place, _ = registry_actions.create_place(
        actor=worker, grid=grid, kind="well", name="寨口水井", keeper_phone="13812345678"
    )
    client = client_of("worker_a")
    page = client.get(f"/places/{place.uuid}/edit/").content.decode()
    assert "13812345678" not in page and "138****5678" in page
    response = client.post(
        f"/places/{place.uuid}/edit/",
        {"grid": personas.GRID_1, "kind": "well", "name": "寨口老水井", "version": place.version},
    )
    assert response.status_code == 302
    place.refresh_from_db()
    assert (place.name, place.keeper_phone) == ("寨口老水井", "13812345678")
    # The same page sent again, after the change: someone else's version is not overwritten.
    stale = client.post(
        f"/places/{place.uuid}/edit/",
        {"grid": personas.GRID_1, "kind": "well", "name": "旧名", "version": place.version - 1},
    )
    assert stale.status_code == 200 and "记录已被他人修改" in stale.content.decode()
    assert Place.objects.get(pk=place.pk).name == "寨口老水井"
    assert client_of("leader").get(f"/places/{place.uuid}/edit/").status_code == 403
