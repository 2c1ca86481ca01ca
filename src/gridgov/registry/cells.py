"""One spreadsheet cell → one register value, for the import.

Each parser takes what the reader gave (text from a CSV file; text, a number or a date
from an XLSX file) and returns the value as the register stores it, or raises CellError
with the reason in Chinese and English. Full-width digits and letters are made half-width
silently: that is how Chinese input methods type them, not a mistake.
"""

import re
import unicodedata
from datetime import date, datetime, timedelta
from operator import mul

from django.core.exceptions import ValidationError

from gridgov.registry import idnumbers
from gridgov.registry.bulk_keys import PhoneNormaliser
from gridgov.registry.columns import CODED_WORDS, TAG_SEPARATORS, TAG_WORDS, normalise_label

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's 1900 leap-year bug included)
OLDEST_BIRTH_YEAR = 1890
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL = re.compile(r"\d{1,5}(?:\.\d+)?")
# GB 11643's check (as idnumbers.check_character computes it, in C-speed builtins: a million
# rows call it a million times; tests/registry/test_import_cells.py compares the two).
_WEIGHTS = [pow(2, 17 - position, 11) for position in range(17)]
_CHECK_CHARACTERS = "10X98765432"
_ALL_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f·•]+")
_UNSPACED = re.compile(r"\S+")  # (\s is what str.split() splits on)

LIMITS = {
    "register_number": 40,
    "address": 200,
    "house_number": 40,
    "name": 60,
    "notes": 2000,
}


def check_character(body: str) -> str:
    """`idnumbers.check_character`, with the arithmetic in builtins."""
    return _CHECK_CHARACTERS[sum(map(mul, map(int, body), _WEIGHTS)) % 11]


class CellError(ValueError):
    """Why a cell was refused."""


def text(value) -> str:
    """A cell as text: numbers without a trailing `.0`, surrounding spaces removed."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def half_width(value) -> str:
    """Text with full-width digits and letters made ASCII and all spaces removed."""
    raw = text(value)
    if raw.isascii():
        return "".join(raw.split())
    return "".join(unicodedata.normalize("NFKC", raw).split())


def _limited(key: str, value: str) -> str:
    limit = LIMITS[key]
    if len(value) > limit:
        raise CellError(f"最多 {limit} 个字 At most {limit} characters.")
    return value


def grid_code(value) -> str:
    code = half_width(value)
    if not (len(code) == 15 and code.isdigit()):
        raise CellError(f"网格代码应为 15 位数字 A grid code is 15 digits, not {code!r}.")
    return code


def register_number(value) -> str:
    return _limited("register_number", half_width(value))


def house_number(value) -> str:
    return _limited("house_number", unicodedata.normalize("NFKC", text(value)))


def address(value) -> str:
    return _limited("address", " ".join(text(value).split()))


def notes(value) -> str:
    return _limited("notes", text(value))


def name(value) -> str:
    """A person's name; the spaces Excel users put inside two-character names (张  三) go."""
    if value.__class__ is str and _UNSPACED.fullmatch(value):
        return _limited("name", value)  # the common case: nothing to strip or join
    words = text(value).split()
    joined = "".join(words)
    result = joined if _ALL_HAN.fullmatch(joined) else " ".join(words)
    return _limited("name", result)


def id_number(value, *, today: date) -> str:
    """An 18-character ID number, checked (GB 11643); full-width digits and x are fine."""
    return IdNumbers(today).parse(value)


class IdNumbers:
    """`id_number` for the many rows of one file, with what its rows share remembered.

    A register's ID numbers repeat their few region codes and some thousands of birth
    dates, so the check character's weighted sum is added from three remembered parts
    (region, birth date, serial: each part has its own length, so one dictionary holds
    them all) and a birth date is read once. `tests/registry/test_import_cells.py` checks
    the answers against `idnumbers.parse`."""

    def __init__(self, today: date):
        self.today = today
        self._sums: dict[str, int] = {}  # "433124" / "19800517" / "131" → weighted sum
        self._births: dict[str, date | None] = {}  # None: no such day, or impossible

    def _sum(self, part: str, start: int) -> int:
        total = self._sums.get(part)
        if total is None:
            weights = _WEIGHTS[start : start + len(part)]
            total = self._sums[part] = sum(map(mul, map(int, part), weights))
        return total

    def birth_date(self, number: str) -> date | None:
        """The birth date a (checked) ID number holds."""
        digits = number[6:14]
        try:
            return self._births[digits]
        except KeyError:
            pass
        try:
            born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            born = None
        if born is not None and (born > self.today or born.year < OLDEST_BIRTH_YEAR):
            born = None
        self._births[digits] = born
        return born

    def parse(self, value) -> str:
        if (
            value.__class__ is str
            and len(value) == 18
            and value.isascii()
            and value[:17].isdigit()
            and value[17] in _CHECK_CHARACTERS
        ):
            # The common case, checked here as idnumbers.parse checks it (which, on any
            # doubt, runs below and says what is wrong).
            sums = self._sums
            try:
                total = sums[value[:6]] + sums[value[6:14]] + sums[value[14:17]]
            except KeyError:
                total = (
                    self._sum(value[:6], 0)
                    + self._sum(value[6:14], 6)
                    + self._sum(value[14:17], 14)
                )
            if _CHECK_CHARACTERS[total % 11] == value[17] and self.birth_date(value) is not None:
                return value
        if isinstance(value, int | float):
            # Excel shows long numbers as 4.33124E+17 and keeps only 15 significant digits.
            if abs(value) >= 1e15 and len(str(int(value))) > 15:
                raise CellError(
                    "身份证号码被 Excel 存成了数字，后几位已丢失：请把该列设为“文本”后重新填写 "
                    "Excel stored the ID number as a number and lost its last digits: format "
                    "the column as Text and enter the numbers again."
                )
            value = str(int(value))
        raw = text(value)
        if "*" in raw:
            raise CellError(
                "这是脱敏后的号码（含 *），不能导入 This number is masked (it has *): it cannot be "
                "imported."
            )
        try:
            return idnumbers.parse(raw, today=self.today).value
        except idnumbers.IdNumberError as error:
            raise CellError(str(error)) from error


def _checked_date(year: int, month: int, day: int) -> date:
    try:
        result = date(year, month, day)
    except ValueError as error:
        raise CellError(
            f"日期 {year}-{month:02d}-{day:02d} 不存在 The date {year}-{month:02d}-{day:02d} "
            "does not exist."
        ) from error
    return result


def _from_serial(serial: float) -> date:
    if not 1 <= serial < 2958466:
        raise CellError(f"不是日期 Not a date: {serial}")
    return EXCEL_EPOCH + timedelta(days=int(serial))


def any_date(value) -> date:
    """A date as Excel users enter it: a date cell, an Excel serial number (29221),
    1980-05-17, 1980/5/17, 1980.5.17, 1980年5月17日, 19800517."""
    if value.__class__ is str and len(value) == 10 and value[4] == "-":
        try:
            return date.fromisoformat(value)  # 1980-05-17, the common case
        except ValueError:
            pass  # said below, precisely
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 10_000_000 <= value <= 99_999_999 and float(value).is_integer():
            number = int(value)
            return _checked_date(number // 10000, number // 100 % 100, number % 100)
        return _from_serial(float(value))
    parts = unicodedata.normalize("NFKC", text(value)).replace("T", " ").split()
    if len(parts) > 1 and ":" in parts[-1]:
        parts.pop()  # a time of day after the date, as Excel writes date-time cells
    raw = "".join(parts)
    match = _DATE.fullmatch(raw) or _COMPACT_DATE.fullmatch(raw)
    if match:
        return _checked_date(int(match[1]), int(match[2]), int(match[3]))
    if _SERIAL.fullmatch(raw):
        return _from_serial(float(raw))
    raise CellError(
        f"日期格式无法识别：{raw}（请写成 1980-05-17） Not a date we can read: {raw} "
        "(write it as 1980-05-17)."
    )


def birth_date(value, *, today: date) -> date:
    result = any_date(value)
    if result > today or result.year < OLDEST_BIRTH_YEAR:
        raise CellError(
            f"出生日期 {result:%Y-%m-%d} 不可能 The birth date {result:%Y-%m-%d} is impossible."
        )
    return result


def coded(key: str):
    """The parser for a coded column: the word (土家族, 户主, A级) or the code (15, 02, A)."""
    words = CODED_WORDS[key]

    def parse(value) -> str:
        code = words.get(value)  # the common case: the exact label, as our export writes it
        if code is not None:
            return code
        raw = text(value)
        code = words.get(normalise_label(raw))
        if code is None:
            raise CellError(f"无法识别“{raw}” Unknown value {raw!r}.")
        return code

    parse.__name__ = f"coded_{key}"
    return parse


def tags(value) -> frozenset[str]:
    """Comma-separated tag words: 低保, 残疾人、留守老人."""
    found = set()
    for word in TAG_SEPARATORS.split(text(value)):
        if not word:
            continue
        code = TAG_WORDS.get(word) or TAG_WORDS.get(normalise_label(word))
        if code is None:
            raise CellError(f"无法识别人群标签“{word}” Unknown population tag {word!r}.")
        found.add(code)
    return frozenset(found)


def phone_parser(cache: PhoneNormaliser):
    def phone(value) -> str:
        if value.__class__ is str and len(value) == 11 and value.isascii() and value.isdigit():
            raw = value  # a plain mobile number: nothing to make half-width
        else:
            raw = half_width(value)
        try:
            return cache.normalise(raw)
        except ValidationError as error:
            raise CellError(
                f"电话号码无效 Not a valid phone number: {raw} "
                "(手机 11 位，固话带区号 mobile 11 digits, landline with area code)"
            ) from error

    return phone
