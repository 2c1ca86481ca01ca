"""Loading official division codes in the NBS CSV format (`code,name,level,kind,parent_code`).

Loading is idempotent: a second run with the same file creates and changes nothing. Rows of
kind `other` are statistics-only units (a forest farm and its "virtual living area"), not
real townships or villages: they are left out unless asked for, and the summary says so.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from gridgov.accounts import audit
from gridgov.regions.choices import Kind, Level
from gridgov.regions.codes import NBS_LEVEL_LENGTHS, ancestor_codes, significant_code, within_q
from gridgov.regions.models import Region
from gridgov.regions.pinyin import pinyin_keys

XIANGXI_FILE = Path(__file__).resolve().parent / "data" / "xiangxi_divisions_nbs2023.csv"

_LEVEL_BY_NBS = {1: Level.PROVINCE, 2: Level.PREFECTURE, 3: Level.COUNTY, 4: Level.TOWNSHIP}
_KNOWN_KINDS = set(Kind.values) - {Kind.GRID}


class DivisionFileError(ValueError):
    """The file is not a valid division list; nothing was loaded."""


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_statistical: list[str] = field(default_factory=list)
    by_level: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        lines = [f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"]
        lines += [f"  {level}: {count}" for level, count in self.by_level.items()]
        if self.skipped_statistical:
            lines.append(
                f"skipped {len(self.skipped_statistical)} statistics-only units (kind other): "
                + ", ".join(self.skipped_statistical)
            )
        return lines


def _level_for(nbs_level: int, kind: str) -> str:
    if nbs_level == 5:
        return Level.COMMUNITY if kind == Kind.COMMUNITY else Level.VILLAGE
    return _LEVEL_BY_NBS[nbs_level]


def read_division_rows(path: Path, within: str) -> tuple[list[dict], list[str]]:
    """Parse and check the file; returns (rows to load, statistics-only names skipped)."""
    rows = []
    statistical: dict[str, str] = {}  # code → name of the statistics-only units
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"code", "name", "level", "kind", "parent_code"} - set(reader.fieldnames or [])
        if missing:
            raise DivisionFileError(f"missing columns: {', '.join(sorted(missing))}")
        for line_number, row in enumerate(reader, start=2):
            try:
                nbs_level = int(row["level"])
                code = significant_code(row["code"], nbs_level)
            except (KeyError, ValueError) as error:
                raise DivisionFileError(f"line {line_number}: {error}") from error
            if not code.startswith(within) and not within.startswith(code):
                continue
            kind = row["kind"].strip()
            if kind not in _KNOWN_KINDS:
                raise DivisionFileError(f"line {line_number}: unknown kind {kind!r}")
            if kind == Kind.OTHER:
                statistical[code] = row["name"].strip()
                continue
            if len(code) < len(within):
                continue  # an ancestor of the requested area: not loaded
            rows.append(
                {"code": code, "name": row["name"].strip(), "nbs_level": nbs_level, "kind": kind}
            )
    skipped = [f"{name} ({code})" for code, name in statistical.items()]
    # What lies under a statistics-only unit (the communities of a development zone, say)
    # has no township to hang from: it is left out with it, and listed.
    if statistical:
        kept = []
        for row in rows:
            above = statistical.keys() & set(ancestor_codes(row["code"]))
            if above:
                skipped.append(f"{row['name']} ({row['code']}, under {min(above)})")
            else:
                kept.append(row)
        rows = kept
    if not rows:
        raise DivisionFileError(f"no divisions within {within!r} in {path}")
    return rows, skipped


@transaction.atomic
def load_divisions(path: Path, *, within: str, actor=None) -> LoadSummary:
    """Create or update the divisions of `path` that lie within `within` (a code prefix)."""
    if not within.isdigit() or len(within) not in NBS_LEVEL_LENGTHS.values():
        raise DivisionFileError(f"--within must be a region code such as 4331, not {within!r}")
    rows, skipped = read_division_rows(path, within)
    summary = LoadSummary(skipped_statistical=skipped)
    # The regions above the area too: the area's own row keeps its parent (loading one
    # county must not detach it from its prefecture).
    existing = {
        region.code: region
        for region in Region.objects.filter(
            within_q(within, "code") | Q(code__in=ancestor_codes(within))
        )
    }
    rows.sort(key=lambda row: (len(row["code"]), row["code"]))
    for row in rows:
        code = row["code"]
        parent_code = (
            code[: NBS_LEVEL_LENGTHS[row["nbs_level"] - 1]] if row["nbs_level"] > 1 else None
        )
        parent = existing.get(parent_code) if parent_code else None
        if parent is None and parent_code is not None and len(parent_code) >= len(within):
            raise DivisionFileError(
                f"{code} {row['name']}: its parent {parent_code} is not in the file"
            )
        level = _level_for(row["nbs_level"], row["kind"])
        full, initials = pinyin_keys(row["name"])
        wanted = {
            "name": row["name"],
            "level": level,
            "kind": row["kind"],
            "parent_id": parent.pk if parent else None,
            "name_pinyin": full,
            "name_initials": initials,
        }
        summary.by_level[level] = summary.by_level.get(level, 0) + 1
        region = existing.get(code)
        if region is None:
            region = Region(code=code, **wanted)
            region.full_clean(exclude=["parent"])
            region.save()
            existing[code] = region
            summary.created += 1
        elif any(getattr(region, key) != value for key, value in wanted.items()):
            for key, value in wanted.items():
                setattr(region, key, value)
            region.save()
            summary.updated += 1
        else:
            summary.unchanged += 1
    if summary.created or summary.updated:
        audit.record(
            actor=actor,
            action="regions.load_divisions",
            region_code=within,
            after={"file": path.name, "created": summary.created, "updated": summary.updated},
        )
    return summary
