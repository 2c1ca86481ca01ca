"""Region codes are the path: "within X" is a range of codes, and every code has the
length of its level (design decision 1)."""

import random

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gridgov.accounts.models import Department
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db

LEVEL_LENGTHS = {
    "prefecture": 4,
    "county": 6,
    "township": 9,
    "village": 12,
    "community": 12,
    "grid": 15,
}


def sample_codes() -> list[str]:
    """十八洞村's chain from the prefecture down to its grid, and a few random codes per level."""
    chosen = ["4331", "433124", "433124110", "433124110226", "433124110226001"]
    randomly = random.Random(4331)
    for level in LEVEL_LENGTHS:
        codes = sorted(Region.objects.filter(level=level).values_list("code", flat=True))
        chosen += randomly.sample(codes, min(3, len(codes)))
    return chosen


def test_within_is_the_same_as_starts_with_at_every_level():
    for code in sample_codes():
        by_range = set(Region.objects.within(code).values_list("code", flat=True))
        by_prefix = set(Region.objects.filter(code__startswith=code).values_list("code", flat=True))
        assert by_range == by_prefix, code
        assert code in by_range


def test_within_a_township_leaves_out_its_neighbours():
    inside = set(Region.objects.within("433124110").values_list("code", flat=True))

    assert "433124110226001" in inside
    assert "433124111" not in inside  # the next township
    assert "433124" not in inside  # its county
    assert len(inside) == Region.objects.filter(code__startswith="433124110").count()


def test_scoped_rows_use_the_same_range():
    for code in ("4331", "433124", "433124110"):
        by_range = set(Department.objects.within(code).values_list("pk", flat=True))
        by_prefix = set(
            Department.objects.filter(region_code__startswith=code).values_list("pk", flat=True)
        )
        assert by_range == by_prefix


def wrong_lengths(level: str) -> list[int]:
    """A digit too few, a digit too many, and the lengths of other levels (the column holds
    at most 15 characters, so nothing longer can be stored anyway)."""
    right = LEVEL_LENGTHS[level]
    return sorted({right - 1, right + 1, 2, 12, 15} - {right, 16})


@pytest.mark.parametrize("level", LEVEL_LENGTHS)
def test_a_code_of_the_wrong_length_is_refused_by_validation(level):
    for length in wrong_lengths(level):
        region = Region(code="9" * length, name="错误", level=level, kind=level)

        with pytest.raises(ValidationError) as raised:
            region.full_clean(exclude=["parent", "kind"])

        assert f"must be {LEVEL_LENGTHS[level]} digits" in " ".join(
            raised.value.message_dict["code"]
        )


@pytest.mark.parametrize("level", LEVEL_LENGTHS)
def test_a_code_of_the_wrong_length_is_refused_by_the_database(level):
    for length in wrong_lengths(level):
        with (
            pytest.raises(IntegrityError, match="region_code_length_matches_level"),
            transaction.atomic(),
        ):
            Region.objects.create(code="9" * length, name="错误", level=level, kind="other")
    # The same row with the right length is accepted: it was the length that was refused.
    Region.objects.create(code="9" * LEVEL_LENGTHS[level], name="正确", level=level, kind="other")


def test_a_code_must_continue_its_parents_code():
    township = Region.objects.get(code="433124110")
    stranger = Region(code="433101100999", name="错误", level="village", kind="village")
    stranger.parent = township

    with pytest.raises(ValidationError) as raised:
        stranger.full_clean()

    assert "parent" in raised.value.message_dict
