"""National ID numbers (GB 11643): what is accepted, what is refused and how the refusal
reads, in Chinese and English, both directly and through the API."""

import re
from datetime import date, timedelta

import pytest
from stdnum.cn import ric

from gridgov.registry import idnumbers
from gridgov.registry.choices import Sex
from gridgov.testing.personas import GRID_1

# The example of the standard itself: a woman born 31 December 1949 in 北京市朝阳区, whose
# check character is X.
STANDARD_EXAMPLE = "11010519491231002X"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _with_check(body: str) -> str:
    """17 characters and the check character that makes them valid, computed by python-stdnum
    (whose `calc_check_digit` drops the last character it is given: hence the placeholder)."""
    return body + ric.calc_check_digit(body + "?")


def _bilingual(message: str) -> bool:
    return bool(CJK.search(message)) and bool(re.search(r"[A-Za-z]{3,}", message))


def test_made_numbers_are_valid_for_python_stdnum_too():
    # An independent check of the checksum: numbers we make are valid elsewhere, and the
    # standard's example (check character X) is valid here.
    for serial in range(0, 1000, 7):
        number = idnumbers.make("433124", date(1980, 5, 17), serial)
        assert ric.is_valid(number), number
        assert idnumbers.parse(number).value == number
    assert idnumbers.check_character(STANDARD_EXAMPLE[:17]) == "X"


def test_a_made_number_reads_back_as_made():
    number = idnumbers.make("433124", date(1980, 5, 17), 131)
    parsed = idnumbers.parse(number)
    assert parsed.value == number
    assert parsed.region_code == "433124"
    assert parsed.birth_date == date(1980, 5, 17)
    assert parsed.sex == Sex.MALE  # an odd serial
    assert idnumbers.parse(idnumbers.make("433101", date(2001, 2, 28), 262)).sex == Sex.FEMALE


def test_the_standards_example_with_an_x():
    parsed = idnumbers.parse(STANDARD_EXAMPLE)
    assert parsed.value == STANDARD_EXAMPLE
    assert (parsed.region_code, parsed.birth_date, parsed.sex) == (
        "110105",
        date(1949, 12, 31),
        Sex.FEMALE,
    )


@pytest.mark.parametrize(
    "written",
    [
        "11010519491231002x",  # lower-case x, as typed on a phone
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits, as pasted from a document
        "１１０１０５１９４９１２３１００２ｘ",
        " 110105 19491231 002X ",  # spaces, as read out and typed in groups
    ],
)
def test_common_ways_of_writing_a_number_are_normalised(written):
    assert idnumbers.parse(written).value == STANDARD_EXAMPLE


def test_a_wrong_check_character_is_refused():
    wrong = STANDARD_EXAMPLE[:-1] + "3"
    with pytest.raises(idnumbers.IdNumberError) as refused:
        idnumbers.parse(wrong)
    assert "校验位" in str(refused.value) and "check character" in str(refused.value)
    assert _bilingual(str(refused.value))


def test_one_mistyped_digit_is_caught():
    number = idnumbers.make("433124", date(1980, 5, 17), 131)
    mistyped = number[:8] + ("1" if number[8] != "1" else "2") + number[9:]
    with pytest.raises(idnumbers.IdNumberError, match="校验位"):
        idnumbers.parse(mistyped)


@pytest.mark.parametrize("birth", ["19900230", "19910229", "19851301", "19850400", "19850431"])
def test_dates_that_do_not_exist_are_refused(birth):
    # A correct check character: the date is the only thing wrong.
    number = _with_check(f"433124{birth}131")
    with pytest.raises(idnumbers.IdNumberError) as refused:
        idnumbers.parse(number)
    message = str(refused.value)
    assert birth in message
    assert "出生日期" in message and "does not exist" in message


def test_a_birth_date_in_the_future_is_refused():
    today = date(2025, 3, 3)
    tomorrow = today + timedelta(days=1)
    number = _with_check(f"433124{tomorrow:%Y%m%d}131")
    with pytest.raises(idnumbers.IdNumberError) as refused:
        idnumbers.parse(number, today=today)
    assert "2025-03-04" in str(refused.value)
    assert _bilingual(str(refused.value))
    # Born today is possible.
    assert idnumbers.parse(_with_check(f"433124{today:%Y%m%d}131"), today=today)


def test_the_real_clock_is_the_default():
    next_year = date.today().year + 1
    with pytest.raises(idnumbers.IdNumberError, match="impossible"):
        idnumbers.parse(_with_check(f"433124{next_year}0101131"))


def test_old_15_digit_numbers_are_refused_with_their_own_message():
    with pytest.raises(idnumbers.IdNumberError) as refused:
        idnumbers.parse("433124800517131")
    message = str(refused.value)
    assert "15 位" in message and "18" in message
    assert "15-digit ID numbers are no longer valid" in message


@pytest.mark.parametrize(
    "wrong",
    [
        "",
        "43312419800517131",  # 17 characters
        "4331241980051713111",  # 19
        "43312419800517131Y",  # a letter that is not X
        "4331241980O517131X",  # the letter O for a zero
        "X33124198005171311",  # X anywhere but at the end
    ],
)
def test_wrong_shapes_are_refused(wrong):
    with pytest.raises(idnumbers.IdNumberError) as refused:
        idnumbers.parse(wrong)
    assert "17 位数字" in str(refused.value)
    assert "17 digits followed by a digit or X" in str(refused.value)


@pytest.mark.parametrize(
    ("id_number", "expected"),
    [
        ("433124800517131", "15-digit"),
        (STANDARD_EXAMPLE[:-1] + "3", "check character"),
        (_with_check("43312419900230131"), "does not exist"),
        ("4331241980", "17 digits"),
    ],
)
def test_the_api_names_the_field_and_says_why(id_number, expected, api, error_fields):
    response = api("worker_a").post(
        "/api/residents/", {"grid": GRID_1, "name": "龙测试", "id_number": id_number}
    )
    assert error_fields(response) == {"id_number"}
    message = response.json()["errors"][0]["message"]
    assert expected in message
    assert _bilingual(message)


def test_the_api_stores_the_normalised_number(api):
    response = api("worker_a").post(
        "/api/residents/", {"grid": GRID_1, "name": "王测试", "id_number": "43312419850412007x"}
    )
    assert response.status_code == 201, response.content
    # The stored number is upper case: a search for it in either case finds the person.
    search = api("worker_a").post("/api/residents/search", {"text": "43312419850412007X"})
    assert [person["name"] for person in search.json()["items"]] == ["王测试"]
    assert response.json()["birth_date"] == "1985-04-12"
    assert response.json()["sex"] == Sex.MALE  # serial 007: odd
