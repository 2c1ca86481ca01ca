"""Derived values for bulk work, computed as the single-record actions compute them but
fast enough for a million rows.

`pinyin_keys` (pypinyin) and `normalise_phone` (phonenumbers) cost about 20 µs each per
call: more than everything else an import does with a row. A name's pinyin is the readings
of its characters unless part of it is a word of pypinyin's phrase dictionary, so we
remember readings per character and ask pypinyin only about the other names. A Chinese mobile
number is valid when it fits libphonenumber's mobile pattern, which one regular expression
checks; other numbers (landlines, odd spellings) still go through the library.
`tests/registry/test_import_cells.py` checks the shortcuts agree with the libraries.
"""

import re

import phonenumbers
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from gridgov.regions.pinyin import pinyin_keys
from gridgov.registry.validation import normalise_phone

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
REMEMBERED_NAMES = 200_000  # about 50 MB at most, for one import


def _mobile_pattern() -> re.Pattern:
    """libphonenumber's own pattern of valid Chinese mobile numbers (from its metadata, so
    it follows the library's updates)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    return re.compile(metadata.mobile.national_number_pattern)


class PhoneNormaliser:
    """`normalise_phone`, answering plain mobile numbers with libphonenumber's own mobile
    pattern instead of a full parse; anything else goes to `normalise_phone` itself."""

    def __init__(self) -> None:
        self._valid_mobile = _mobile_pattern().fullmatch

    def normalise(self, raw: str) -> str:
        """The phone as stored, or ValidationError (the same answers as normalise_phone)."""
        if len(raw) == 11 and _MOBILE.fullmatch(raw) and self._valid_mobile(raw):
            # A number that fits the mobile pattern is valid (is_valid_number: its type
            # is known), and its national form is itself.
            return raw
        return normalise_phone(raw)


class PinyinCache:
    """`pinyin_keys`, built from the readings of single characters where that is exact.

    pypinyin cuts a name into the longest words of its phrase dictionary and reads every
    other character alone, by its first reading. So when no two or more neighbouring
    characters of a name form a dictionary word (the usual case for names), the name reads
    as its characters do, one by one; only other names go through pypinyin itself.
    """

    def __init__(self) -> None:
        self._readings: dict[str, str | None] = {}  # None: not a Hanzi pypinyin reads
        self._names: dict[str, tuple[str, str]] = {}

    def _reading(self, character: str) -> str | None:
        try:
            return self._readings[character]
        except KeyError:
            pass
        reading = None
        if "\u3400" <= character <= "\u9fff" or "\U00020000" <= character <= "\U0003134f":
            readings = lazy_pinyin(character, style=Style.NORMAL, errors="ignore")
            if len(readings) == 1 and readings[0].isascii() and readings[0].isalpha():
                reading = readings[0].lower()
        self._readings[character] = reading
        return reading

    def keys(self, name: str) -> tuple[str, str]:
        """Full pinyin and initials of a name, as `regions.pinyin.pinyin_keys` gives them."""
        known = self._names.get(name)
        if known is not None:
            return known  # a million people have far fewer different names
        try:
            readings = [self._readings[character] for character in name]
        except KeyError:
            readings = [self._reading(character) for character in name]
        if readings and None not in readings and not _holds_a_phrase(name):
            known = "".join(readings), "".join([reading[0] for reading in readings])
        else:
            known = pinyin_keys(name)
        if len(self._names) < REMEMBERED_NAMES:
            self._names[name] = known
        return known


def _holds_a_phrase(name: str) -> bool:
    """Do two or more neighbouring characters of `name` form a word pypinyin knows?"""
    size = len(name)
    for start in range(size - 1):
        for end in range(start + 2, size + 1):
            if name[start:end] in PHRASES_DICT:
                return True
    return False
