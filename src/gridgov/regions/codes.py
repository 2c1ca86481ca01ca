"""Region codes as a materialized path (design decision 1).

A region's code is the significant prefix of its official 12-digit statistical code; a grid
appends three digits to its village's code. "Within X" is the range X <= code < X + ":"
because ":" sorts right after "9": one index range scan on any database.
"""

from django.db.models import Q

# Canonical length of a code at each level. Canonical lengths make prefix ranges exact:
# a county "433101" can never be mistaken for part of another county's code.
CODE_LENGTHS = {
    "province": 2,
    "prefecture": 4,
    "county": 6,
    "township": 9,
    "village": 12,
    "community": 12,
    "grid": 15,
}
LEVEL_FOR_LENGTH = {2: "province", 4: "prefecture", 6: "county", 9: "township", 15: "grid"}
ANCESTOR_LENGTHS = (2, 4, 6, 9, 12)

# NBS division files give every code as 6 or 12 digits; the significant prefix of each
# level is this long (their `level` column: 1 province … 5 village or community).
NBS_LEVEL_LENGTHS = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


def upper_bound(code: str) -> str:
    """The first string after every code that starts with `code`."""
    return code + ":"


def within_q(code: str, field: str = "region_code") -> Q:
    """The predicate "field is `code` or below it" as one btree range."""
    return Q(**{f"{field}__gte": code, f"{field}__lt": upper_bound(code)})


def is_within(code: str, ancestor: str) -> bool:
    return code.startswith(ancestor)


def ancestor_codes(code: str) -> list[str]:
    """The codes of every region above `code`, top first (not including `code` itself)."""
    return [code[:length] for length in ANCESTOR_LENGTHS if length < len(code)]


def significant_code(raw_code: str, nbs_level: int) -> str:
    """Turn an NBS code (`433100`, `433101002000`) into its significant prefix (`4331`, …)."""
    digits = raw_code.strip()
    length = NBS_LEVEL_LENGTHS[nbs_level]
    prefix, rest = digits[:length], digits[length:]
    if not prefix.isdigit() or len(prefix) != length or rest.strip("0"):
        raise ValueError(f"{raw_code!r} is not a level-{nbs_level} division code")
    return prefix
