"""Resident identity card numbers (公民身份号码, GB 11643-1999).

An 18-character number: 6 digits of the registering region, 8 of the birth date, 3 of a
serial whose last digit is odd for men and even for women, and a check character (0–9 or X).
Numbers are normalised before checking (full-width digits and a lower-case x are common in
spreadsheets); the 15-digit numbers issued before 1999 are no longer valid and are refused.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date

from gridgov.registry.choices import Sex

# ISO 7064 MOD 11-2 as GB 11643 uses it: the weight of the i-th of the 17 digits is
# 2^(17-i) mod 11, and the remainder of the weighted sum picks the check character.
# (stdnum's `ric.calc_check_digit` wants the whole 18 characters and drops the last one;
# given the 17 it silently computes the check of the first 16.)
_WEIGHTS = [pow(2, 17 - position, 11) for position in range(17)]
_CHECK_CHARACTERS = "10X98765432"


def check_character(body: str) -> str:
    """The check character (0–9 or X) of the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


class IdNumberError(ValueError):
    """Why an ID number was refused, in Chinese and English."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    region_code: str
    birth_date: date
    sex: str


def normalise(raw: str) -> str:
    """Full-width digits to ASCII, spaces removed, a lower-case x made upper case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(text.split()).upper()


def parse(raw: str, *, today: date | None = None) -> IdNumber:
    """Check an ID number and return what it says, or raise IdNumberError."""
    value = normalise(raw)
    if len(value) == 15 and value.isdigit():
        raise IdNumberError(
            "15 位旧身份证号码已停用，请填写 18 位号码 "
            "15-digit ID numbers are no longer valid; enter the 18-digit number."
        )
    if (
        len(value) != 18
        or not value[:17].isdigit()
        or not (value[17].isdigit() or value[17] == "X")
    ):
        raise IdNumberError(
            "身份证号码应为 17 位数字加 1 位数字或 X "
            "An ID number is 17 digits followed by a digit or X."
        )
    try:
        birth_date = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as error:
        raise IdNumberError(
            f"出生日期 {value[6:14]} 不存在 The birth date {value[6:14]} does not exist."
        ) from error
    if birth_date > (today or date.today()) or birth_date.year < 1890:
        raise IdNumberError(
            f"出生日期 {birth_date:%Y-%m-%d} 不可能 The birth date {birth_date:%Y-%m-%d} is impossible."
        )
    if check_character(value[:17]) != value[17]:
        raise IdNumberError(
            "校验位不正确，请核对号码 The check character is wrong: please check the number."
        )
    sex = Sex.MALE if int(value[16]) % 2 == 1 else Sex.FEMALE
    return IdNumber(value=value, region_code=value[:6], birth_date=birth_date, sex=sex)


def make(region_code: str, birth_date: date, serial: int) -> str:
    """Build a valid number (for the demo and tests): serial is 0–999, odd for men."""
    body = f"{region_code[:6]}{birth_date:%Y%m%d}{serial:03d}"
    return body + check_character(body)
