"""Which search keys a typed text can match: the pinyin and initials rules that let
`search_residents` use one index instead of two must never lose a match."""

import random
from datetime import date

import pytest
from pypinyin import Style, pinyin
from pypinyin.pinyin_dict import pinyin_dict

from gridgov.demo import households, names
from gridgov.regions.pinyin import pinyin_keys
from gridgov.registry.queries import _SYLLABLE, could_be_initials, could_be_pinyin


def test_every_syllable_pypinyin_can_write_is_recognised():
    syllables = {
        syllable
        for code in pinyin_dict
        for readings in pinyin(chr(code), style=Style.NORMAL, heteronym=True, errors="ignore")
        for syllable in readings
        if syllable.isascii()
    }
    assert len(syllables) > 380
    assert {s for s in syllables if not _SYLLABLE.fullmatch(s)} == set()


def test_every_start_of_a_real_name_keeps_its_keys():
    rng = random.Random(5)
    people = [
        member.name
        for county in names.COUNTY_PEOPLES
        for plan in (
            households.plan_household(rng, today=date(2025, 6, 1), county_code=county)
            for _ in range(150)
        )
        for member in plan.members
    ]
    people += ["欧阳娜娜", "上官婉儿", "吕女士", "买买提·艾力", "嗯哼"]
    for name in people:
        full, initials = pinyin_keys(name)
        for end in range(1, len(full) + 1):
            assert could_be_pinyin(full[:end]), (name, full[:end])
        for end in range(1, len(initials) + 1):
            assert could_be_initials(initials[:end]), (name, initials[:end])


@pytest.mark.parametrize(
    ("text", "pinyin_", "initials"),
    [
        ("zs", False, True),  # 张三's initials, no pinyin starts so
        ("lx", False, True),
        ("sjm", False, True),
        ("shijin", True, False),  # an i: initials never hold one
        ("zhang", True, True),
        ("long", True, True),
        ("ouyang", True, False),
        ("lve", True, False),
        ("12", False, False),
    ],
)
def test_texts_are_matched_against_the_keys_they_can_begin(text, pinyin_, initials):
    assert (could_be_pinyin(text), could_be_initials(text)) == (pinyin_, initials)
