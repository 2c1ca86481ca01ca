"""Importing grids from a CSV or GeoJSON file, all or nothing.

A CSV file has a header row and the columns `code` (the 15-digit grid code) or
`village_code` (the 12-digit code of its village or community), `name`, and optionally
`geometry` (a GeoJSON Polygon or MultiPolygon as text). A GeoJSON file is a
FeatureCollection whose features carry the same `code` / `village_code` and `name` in
their properties and the boundary as their geometry.

Every row is checked before anything is written; one bad row means nothing is saved, and
the error lists every bad row (row number or feature index, field, reason), so a file can
be fixed in one pass. Importing the same file again changes nothing: a row without a code
matches the grid of that name in its village.
"""

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.regions import actions
from gridgov.regions.choices import GRID_PARENT_LEVELS, Level
from gridgov.regions.models import Region

NAME_MAX_LENGTH = Region._meta.get_field("name").max_length


@dataclass
class GridRow:
    """One grid as read from the file, before it is checked."""

    where: str  # "第 3 行 row 3" or "要素 features[2]", for messages
    code: str = ""
    village_code: str = ""
    name: str = ""
    geometry: dict | None = None
    geometry_error: str = ""  # the geometry text was not JSON


@dataclass
class Problem:
    """What is wrong with one row: where it is, which field, and why (Chinese and English)."""

    where: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where} · {self.field}: {self.reason}"


class GridFileError(ValueError):
    """The file cannot be imported; nothing was saved. `problems` lists every bad row."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"grids: created {self.created}, updated {self.updated}, unchanged {self.unchanged}"
        ]


# --- Reading ---------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    """UTF-8 (with or without a byte-order mark); GB18030 as spreadsheet programs on
    Chinese Windows save CSV files that way."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _read_csv(text: str) -> list[GridRow]:
    reader = csv.DictReader(io.StringIO(text))
    columns = {name.strip() for name in reader.fieldnames or [] if name}
    problems = []
    if "name" not in columns:
        problems.append(
            Problem(_("表头 header"), "name", _("缺少 name 列 The name column is missing."))
        )
    if not columns & {"code", "village_code"}:
        problems.append(
            Problem(
                _("表头 header"),
                "code",
                _("需要 code 或 village_code 列 A code or village_code column is needed."),
            )
        )
    if problems:
        raise GridFileError(problems)
    rows = []
    for number, record in enumerate(reader, start=2):
        record = {(key or "").strip(): value for key, value in record.items()}
        if not any(_text(value) for value in record.values()):
            continue  # blank lines at the end of a spreadsheet export
        where = _("第 %(number)d 行 row %(number)d") % {"number": number}
        row = GridRow(
            where=where,
            code=_text(record.get("code")),
            village_code=_text(record.get("village_code")),
            name=_text(record.get("name")),
        )
        geometry_text = _text(record.get("geometry"))
        if geometry_text:
            try:
                row.geometry = json.loads(geometry_text)
            except ValueError as error:
                # Reported with the row's other problems, once every row has been read.
                row.geometry_error = str(error)
        rows.append(row)
    return rows


def _read_geojson(text: str) -> list[GridRow]:
    header = _("文件 file")
    try:
        document = json.loads(text)
    except ValueError as error:
        raise GridFileError(
            [Problem(header, "json", _("不是有效的 JSON Not valid JSON: %(e)s") % {"e": error})]
        ) from error
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise GridFileError(
            [
                Problem(
                    header,
                    "type",
                    _("必须是 FeatureCollection The file must be a GeoJSON FeatureCollection."),
                )
            ]
        )
    rows = []
    for index, feature in enumerate(document.get("features") or []):
        where = _("要素 features[%(index)d]") % {"index": index}
        if not isinstance(feature, dict):
            feature = {}
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            properties = {}
        rows.append(
            GridRow(
                where=where,
                code=_text(properties.get("code")),
                village_code=_text(properties.get("village_code")),
                name=_text(properties.get("name")),
                geometry=feature.get("geometry"),
            )
        )
    return rows


def read_grid_file(path: Path) -> list[GridRow]:
    """The rows of a grid file: GeoJSON by its suffix (.geojson, .json) or its first
    character, CSV otherwise."""
    text = _read_text(path)
    looks_like_json = text.lstrip().startswith("{")
    if path.suffix.lower() in (".geojson", ".json") or looks_like_json:
        rows = _read_geojson(text)
    else:
        rows = _read_csv(text)
    if not rows:
        raise GridFileError(
            [Problem(_("文件 file"), "rows", _("文件中没有网格 The file holds no grids."))]
        )
    return rows


# --- Checking ----------------------------------------------------------------------------


@dataclass
class _Plan:
    """A checked row: the village it belongs to and the grid code it will have (None: the
    next free number in the village)."""

    row: GridRow
    village: Region
    code: str | None


def _check_row(
    row: GridRow,
    villages: dict[str, Region],
    grids_by_name: dict[tuple[int, str], list[Region]],
) -> "_Plan | list[Problem]":
    """The plan for one row, or the list of its problems."""
    problems = []

    def problem(field_name: str, reason: str) -> None:
        problems.append(Problem(row.where, field_name, reason))

    if row.code and not (row.code.isdigit() and len(row.code) == 15):
        problem(
            "code",
            _("网格代码必须是 15 位数字 A grid code must be 15 digits, not %(v)r.")
            % {"v": row.code},
        )
    if row.village_code and not (row.village_code.isdigit() and len(row.village_code) == 12):
        problem(
            "village_code",
            _("村（社区）代码必须是 12 位数字 A village code must be 12 digits, not %(v)r.")
            % {"v": row.village_code},
        )
    if not row.code and not row.village_code:
        problem("code", _("缺少 code 或 village_code Give a code or a village_code."))
    if not row.name:
        problem("name", _("缺少名称 The name is missing."))
    elif len(row.name) > NAME_MAX_LENGTH:
        problem(
            "name",
            _("名称最多 %(n)d 个字 The name may have at most %(n)d characters.")
            % {"n": NAME_MAX_LENGTH},
        )
    if row.geometry_error:
        problem(
            "geometry",
            _("不是有效的 JSON Not valid JSON: %(error)s") % {"error": row.geometry_error},
        )
    elif row.geometry is not None:
        try:
            actions.validate_geometry(row.geometry)
        except ValidationError as error:
            for messages in error.message_dict.values():
                for message in messages:
                    problem("geometry", message)
    if problems:
        return problems

    village_code = row.village_code or row.code[:12]
    if row.code and row.village_code and not row.code.startswith(row.village_code):
        return [
            Problem(
                row.where,
                "code",
                _(
                    "网格代码 %(code)s 不以村代码 %(village)s 开头 "
                    "The grid code does not start with the village code."
                )
                % {"code": row.code, "village": row.village_code},
            )
        ]
    village = villages.get(village_code)
    if village is None:
        return [
            Problem(
                row.where,
                "village_code" if row.village_code else "code",
                _("没有代码为 %(code)s 的村或社区 There is no village or community %(code)s.")
                % {"code": village_code},
            )
        ]
    code = row.code or None
    if code is None:
        # Without a code, a grid of the same name in the village is this grid: importing
        # the file again must not create it a second time.
        same_name = grids_by_name.get((village.pk, row.name), [])
        if len(same_name) > 1:
            return [
                Problem(
                    row.where,
                    "name",
                    _(
                        "该村有多个同名网格，请填写 code "
                        "Several grids in the village have this name; give the code."
                    ),
                )
            ]
        code = same_name[0].code if same_name else None
    return _Plan(row=row, village=village, code=code)


def check_rows(rows: list[GridRow]) -> list[_Plan]:
    """Check every row against the division tree; raise GridFileError listing them all."""
    villages = {
        region.code: region for region in Region.objects.filter(level__in=GRID_PARENT_LEVELS)
    }
    wanted_villages = {row.village_code or row.code[:12] for row in rows}
    grids_by_name: dict[tuple[int, str], list[Region]] = {}
    for grid in Region.objects.filter(level=Level.GRID, parent__code__in=wanted_villages):
        grids_by_name.setdefault((grid.parent_id, grid.name), []).append(grid)
    plans, problems = [], []
    seen_codes: dict[str, str] = {}
    seen_names: dict[tuple[str, str], str] = {}
    for row in rows:
        result = _check_row(row, villages, grids_by_name)
        if isinstance(result, list):
            problems += result
            continue
        if result.code:
            if result.code in seen_codes:
                problems.append(
                    Problem(
                        row.where,
                        "code",
                        _("代码 %(code)s 与 %(other)s 重复 The code %(code)s repeats %(other)s.")
                        % {"code": result.code, "other": seen_codes[result.code]},
                    )
                )
                continue
            seen_codes[result.code] = row.where
        else:
            key = (result.village.code, row.name)
            if key in seen_names:
                problems.append(
                    Problem(
                        row.where,
                        "name",
                        _(
                            "同村网格名称与 %(other)s 重复 The name repeats %(other)s in the same village."
                        )
                        % {"other": seen_names[key]},
                    )
                )
                continue
            seen_names[key] = row.where
        plans.append(result)
    if problems:
        raise GridFileError(problems)
    return plans


# --- Saving -------------------------------------------------------------------------------


def _unchanged(grid: Region | None, row: GridRow) -> bool:
    return (
        grid is not None
        and grid.name == row.name
        and (row.geometry is None or grid.geometry == row.geometry)
    )


@transaction.atomic
def import_grids(path: Path, *, actor) -> ImportSummary:
    """Create or update the grids listed in `path` with `regions.actions.save_grid`, in one
    transaction: either every row is saved or none is."""
    plans = check_rows(read_grid_file(path))
    existing = {
        grid.code: grid
        for grid in Region.objects.filter(
            level=Level.GRID, code__in=[plan.code for plan in plans if plan.code]
        )
    }
    summary = ImportSummary()
    problems = []
    for plan in plans:
        if _unchanged(existing.get(plan.code), plan.row):
            summary.unchanged += 1
            summary.codes.append(plan.code)
            continue
        try:
            grid, created = actions.save_grid(
                actor=actor,
                village=plan.village,
                name=plan.row.name,
                code=plan.code,
                geojson=plan.row.geometry,
            )
        except ValidationError as error:
            # Checked above already; this catches what only the model knows (a village that
            # already holds 999 grids, say). Keep going to report every such row.
            for field_name, messages in error.message_dict.items():
                problems += [Problem(plan.row.where, field_name, message) for message in messages]
            continue
        summary.codes.append(grid.code)
        if created:
            summary.created += 1
        else:
            summary.updated += 1
    if problems:
        raise GridFileError(problems)  # leaving the transaction rolls every row back
    return summary
