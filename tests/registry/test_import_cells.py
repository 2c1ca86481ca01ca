"""The import's cell parsers and its shortcuts, checked against the slow, plain ways."""

import random
from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError

from gridgov.regions.pinyin import pinyin_keys
from gridgov.registry import cells, idnumbers
from gridgov.registry.bulk_keys import PhoneNormaliser, PinyinCache
from gridgov.registry.columns import column_for_header
from gridgov.registry.validation import normalise_phone

TODAY = date(2024, 6, 1)


def same_answer(fast, slow, value):
    try:
        expected = slow(value)
    except ValidationError:
        with pytest.raises(ValidationError):
            fast(value)
        return
    assert fast(value) == expected, value


def test_mobile_shortcut_agrees_with_libphonenumber():
    phones = PhoneNormaliser()
    generator = random.Random(11)
    numbers = [
        f"1{second}{third}{generator.randrange(10**8):08d}"
        for second in range(10)
        for third in range(10)
        for _ in range(20)
    ]
    numbers += ["07438221234", "0743-8221234", "+86 138 7431 2345", "12345", "17400000000"]
    for number in numbers:
        same_answer(phones.normalise, normalise_phone, number)


def test_pinyin_shortcut_agrees_with_pypinyin():
    names = PinyinCache()
    generator = random.Random(7)
    characters = "龙石麻吴杨田彭向张王长单曾覃贾华强红俊柏乐行重朝藏查解仇区朴翟盖员小燕秀英国"
    samples = [
        "".join(generator.choice(characters) for _ in range(generator.choice((2, 3, 4))))
        for _ in range(20000)
    ]
    samples += [
        "".join(chr(generator.randrange(0x4E00, 0x9FA6)) for _ in range(generator.choice((2, 3))))
        for _ in range(20000)
    ]
    samples += ["阿依古丽·买买提", "Mary", "龙 小燕", "𠮷祥", "长江", "重庆生", "王银行", "曾国藩"]
    samples += ["单田芳", "朴树", "解放军", "乐行长", "石长乐", "覃重阳", "贾朝阳", "区长生"]
    for name in samples:
        assert names.keys(name) == pinyin_keys(name), name


@pytest.mark.parametrize(
    "value",
    [
        date(1980, 5, 17),
        datetime(1980, 5, 17, 0, 0),
        29358,
        29358.0,
        "29358",
        "1980-05-17",
        "1980-5-17",
        "1980/5/17",
        "1980.05.17",
        "1980年5月17日",
        "1980 年 5 月 17 日",
        "19800517",
        19800517,
        "１９８０－０５－１７",
        "1980-05-17 00:00:00",
        "1980/5/17 0:00",
    ],
)
def test_the_ways_excel_writes_a_date(value):
    assert cells.birth_date(value, today=TODAY) == date(1980, 5, 17)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1980-02-30", "不存在"),
        ("19800230", "不存在"),
        ("去年", "无法识别"),
        ("2030-01-01", "不可能"),
        ("1850-01-01", "不可能"),
        (0, "不是日期"),
    ],
)
def test_dates_that_are_not(value, words):
    with pytest.raises(cells.CellError, match=words):
        cells.birth_date(value, today=TODAY)


@pytest.mark.parametrize(
    ("key", "words", "code"),
    [
        ("ethnicity", ["土家族", "土家", "15", 15, "１５"], "15"),
        ("ethnicity", ["苗族", "苗", "06", 6, 6.0], "06"),
        ("relation_to_head", ["户主", "本人", "02"], "02"),
        ("relation_to_head", ["妻子", "配偶", "丈夫"], "10"),
        ("residence_status", ["外出务工", "外出", "务工"], "working_away"),
        ("housing_safety", ["A", "a", "A级", "A级（安全）", "Ａ级", "安全"], "A"),
        ("housing_safety", ["D级（整体危险）", "D"], "D"),
        ("education", ["初中", "70"], "70"),
        ("household_type", ["户籍户", "户籍"], "registered"),
        ("disability_level", ["二级", "2", "2级"], "2"),
        ("disability_level", ["无"], ""),
        ("sex", ["男", "男性", "1"], "1"),
        ("health_insurance", ["新农合", "城乡居民医保"], "urban_rural"),
    ],
)
def test_coded_words(key, words, code):
    parse = cells.coded(key)
    for word in words:
        assert parse(word) == code, word


def test_unknown_words_are_named():
    with pytest.raises(cells.CellError, match="火星族"):
        cells.coded("ethnicity")("火星族")


def test_tags_in_any_list_style():
    assert cells.tags("低保, 残疾人、留守老人；脱贫户") == {
        "dibao",
        "disabled",
        "left_behind_elderly",
        "poverty_exited",
    }
    with pytest.raises(cells.CellError, match="火星人"):
        cells.tags("低保，火星人")


def test_id_numbers():
    good = idnumbers.make("433124", date(1980, 5, 17), 131)
    wrong_check = good[:-1] + ("1" if good[-1] != "1" else "2")
    full_width = good.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert cells.id_number(good, today=TODAY) == good
    assert cells.id_number(full_width, today=TODAY) == good
    assert cells.id_number(f" {good[:6]} {good[6:14]} {good[14:]} ", today=TODAY) == good
    for bad, words in (
        (wrong_check, "校验位"),
        ("433124198002301311", "不存在"),
        ("433124800517131", "15 位"),
        ("433124********1311", "脱敏"),
        (4.33124198005171e17, "文本"),
    ):
        with pytest.raises(cells.CellError, match=words):
            cells.id_number(bad, today=TODAY)


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("身份证号码", "id_number"),
        ("* 身份证号（18位）", "id_number"),
        ("公民身份号码", "id_number"),
        ("联系电话", "phone"),
        ("手机号码", "phone"),
        ("网格代码", "grid"),
        ("网 格 代 码", "grid"),
        ("户号", "register_number"),
        ("出生日期(YYYY-MM-DD)", "birth_date"),
        ("人群标签：", "tags"),
        ("村民小组", None),
    ],
)
def test_headers(header, key):
    assert column_for_header(header) == key


def test_names_lose_the_spaces_of_alignment():
    assert cells.name("张  三") == "张三"
    assert cells.name("Mary  Smith") == "Mary Smith"
    assert cells.name("阿依古丽·买买提") == "阿依古丽·买买提"


def test_fast_check_character_agrees_with_idnumbers():
    generator = random.Random(3)
    for _ in range(20000):
        body = f"{generator.randrange(10**17):017d}"
        assert cells.check_character(body) == idnumbers.check_character(body)


def test_remembered_id_checks_agree_with_idnumbers():
    """`cells.IdNumbers` (parts of the check sum and birth dates remembered) gives the
    answers `idnumbers.parse` gives, good numbers and bad, in any order."""
    numbers = cells.IdNumbers(TODAY)
    generator = random.Random(5)
    samples = []
    for _ in range(20000):
        born = date(1890, 1, 1).toordinal() + generator.randrange(50000)
        good = idnumbers.make(
            generator.choice(("433124", "433101", "110105")),
            date.fromordinal(born),
            generator.randrange(1000),
        )
        samples += [good, good[:-1] + generator.choice("0123456789X")]
    samples += [f"{generator.randrange(10**17):017d}{generator.choice('0123456789X')}"]
    samples += ["433124198002301311", "433124203001011311", "433124188912311311"]
    samples += ["43312419800517131x", "４３３１２４１９８００５１７１３１５", "433124²98005171315"]
    for sample in samples:
        try:
            expected = idnumbers.parse(sample, today=TODAY).value
        except idnumbers.IdNumberError:
            with pytest.raises(cells.CellError):
                numbers.parse(sample)
            continue
        assert numbers.parse(sample) == expected, sample
        assert numbers.birth_date(expected) == idnumbers.parse(sample, today=TODAY).birth_date


def test_bulk_uuids_are_random_version_4():
    import uuid

    from gridgov.registry.bulk import random_uuids

    source = random_uuids()
    values = [next(source) for _ in range(5000)]
    assert len(set(values)) == len(values)
    for value in values:
        parsed = uuid.UUID(value)
        assert (parsed.hex, parsed.version, parsed.variant) == (value, 4, uuid.RFC_4122)
