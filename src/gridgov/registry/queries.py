"""Finding people and households within a user's scope."""

import re

from django.db import connections
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Collate

from gridgov.registry import idnumbers
from gridgov.registry.models import Household, Resident

_ID_TAIL = re.compile(r"^[0-9]{5}[0-9X]$")
_PHONE = re.compile(r"^(1[0-9]{10}|0[0-9]{9,11})$")

# Pinyin without tones as `pinyin_keys` writes it (ü as v): an optional initial, vowels, an
# optional n, ng or r; and the few syllables without a vowel (嗯 n/ng, 呣 m, 噷 hm, 哼 hng).
_INITIAL = r"(?:[zcs]h|[bpmfdtnlgkhjqxrzcsyw])"
_SYLLABLE = re.compile(rf"{_INITIAL}?[aeiouv]+(?:ng|n|r)?|hng|hm|ng|n|m")
_SYLLABLE_START = re.compile(rf"{_INITIAL}?[aeiouv]*(?:ng|n|r)?|hn?")


def could_be_pinyin(text: str) -> bool:
    """Can `text` (lower case) begin a run of pinyin syllables, like `zhangs` can? `zs`
    cannot: only initials match it, and searching only them lets one index answer."""
    reachable = {0}  # where a syllable may start
    for start in range(len(text)):
        if start in reachable:
            reachable.update(
                end
                for end in range(start + 1, len(text) + 1)
                if _SYLLABLE.fullmatch(text, start, end)
            )
    return any(_SYLLABLE_START.fullmatch(text, start) for start in reachable)


def could_be_initials(text: str) -> bool:
    """Initials are first letters of syllables, and no syllable starts with i, u or ü (v)."""
    return text.isalpha() and not set(text) & set("iuv")


# What people type between the digits of a phone number: 138-7431-2345, (0743) 8221234.
_PHONE_SEPARATORS = re.compile(r"[-().]")
# A name never needs this many digits: anything that has them may be an ID or phone number.
_PRIVATE_DIGITS = 6


def _compact(text: str) -> str:
    """Normalised, with phone separators and a +86 country code taken out."""
    return _PHONE_SEPARATORS.sub("", idnumbers.normalise(text)).removeprefix("+86")


def residents_for(user) -> QuerySet:
    return (
        Resident.objects.visible_to(user)
        .select_related("household")
        .prefetch_related("tags")
        .order_by("region_code", "household_id", "id")
    )


def households_for(user) -> QuerySet:
    return (
        Household.objects.visible_to(user)
        .annotate(member_count=Count("members"))
        .order_by("region_code", "address", "id")
    )


def looks_private(text: str) -> bool:
    """ID numbers (or their last six) and phone numbers travel in POST bodies, never in URLs.

    Anything with six digits or more counts, however it is written (spaces, dashes,
    full-width digits, a trailing x): a name never has them."""
    value = _compact(text)
    digits = sum(character.isdigit() for character in value)
    return bool(_ID_TAIL.match(value) or digits >= _PRIVATE_DIGITS)


def search_residents(residents: QuerySet, text: str) -> QuerySet:
    """By name in Hanzi (prefix), full pinyin or initials (prefix), full ID number, the
    last six characters of an ID number, or a phone number. Name searches come back in
    the order of what was searched (name, pinyin or initials), then grid and id."""
    value = idnumbers.normalise(text)
    if not value:
        return residents.none()
    if len(value) == 18:
        return residents.filter(id_number=value)
    if _ID_TAIL.match(value):
        return residents.filter(id_last6=value)
    phone = _compact(value)
    if _PHONE.match(phone):
        return residents.filter(phone=phone)
    if value.isascii():
        # Only the keys the text can be the start of are searched: one index (and an
        # index-only count) instead of two OR-ed together, whenever the text allows it.
        lowered = value.lower()
        initials, pinyin = could_be_initials(lowered), could_be_pinyin(lowered)
        if initials and pinyin:
            # `zhang` or `long` could begin both, but initials that long take a name of as
            # many characters: ask (one index probe) whether anyone in scope has them, so
            # that usually one prefix index answers, instead of an OR that makes
            # PostgreSQL read the whole scope.
            initials = residents.filter(name_initials__startswith=lowered).exists()
        if initials and pinyin:
            found = residents.filter(
                Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
            )
            return found.order_by("name_pinyin", "region_code", "id")
        if initials:
            return _by_key(residents.filter(name_initials__startswith=lowered), "name_initials")
        if pinyin:
            return _by_key(residents.filter(name_pinyin__startswith=lowered), "name_pinyin")
        return residents.none()
    return _by_key(residents.filter(name__startswith=value), "name")


def search_by_address(residents: QuerySet, text: str) -> QuerySet:
    """People whose household's address contains the text (十八洞村五组, 梨子寨), or whose
    house number starts with it, grouped by household. On PostgreSQL a trigram index on the
    address (migration 0004) finds the households without reading the whole scope."""
    text = " ".join(text.split())
    if not text:
        return residents.none()
    return residents.filter(
        Q(household__address__contains=text) | Q(household__house_number__startswith=text)
    ).order_by("household__address", "household_id", "id")


def _by_key(found: QuerySet, key: str) -> QuerySet:
    """Matches in the order of the searched key (code points), then scope and id: on
    PostgreSQL the order of the key's prefix index (migration 0003), so a page of a common
    name reads 50 index entries and a rare name only its own; SQLite's default collation
    already compares code points, so both databases return the same pages."""
    if connections[found.db].vendor == "postgresql":
        return found.order_by(Collate(key, "C"), "region_code", "id")
    return found.order_by(key, "region_code", "id")


def search_households(households: QuerySet, text: str) -> QuerySet:
    """By address or house number (substring), or by the name of the head."""
    text = text.strip()
    if not text:
        return households
    return households.filter(
        Q(address__contains=text)
        | Q(house_number__startswith=text)
        | Q(head__name__startswith=text)
    )
