"""Bulk import of the register from a township office's spreadsheet, all or nothing.

The file (CSV or XLSX, Chinese headers: see `columns.py` and docs/users/import-export.md)
holds one person per row; rows with the same grid code and 户编号 are one household. An
import is first a dry run: every row is checked and every problem listed with its row
number, column and reason, in Chinese and English. Committing runs the same checks inside
one transaction and saves nothing unless every row is good.

A person whose ID number is already in the register is updated, not duplicated (a person
without an ID number is recognised by name within their household), and a household is
recognised by its grid and 户编号, so importing the same file twice changes nothing the
second time. An empty cell never erases what the register holds.

Speed: rows are read and checked in Python, in chunks; the register is read once per chunk
(not once per row) and written with bulk statements (`bulk.py`: COPY on PostgreSQL). A
register repeats itself, so what a cell's text means is remembered per column (see `_Plan`);
on SQLite a file as large as the register builds the indexes it does not read by after its
rows are in (`bulk.indexes_built_after`). A large file is read and checked in a second
process while this one matches and writes (`_run_rows`, `child_process.py`).
docs/operations/performance.md has the figures.
"""

import os.path
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from operator import itemgetter
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from gridgov.accounts import audit
from gridgov.accounts.masking import mask_id_number, mask_phone
from gridgov.accounts.scope import scope_codes, scope_q
from gridgov.regions.models import Region
from gridgov.registry import cells
from gridgov.registry.bulk import (
    Pipeline,
    Writer,
    cycle_collector_paused,
    indexes_built_after,
    random_uuids,
    roomy_cache,
    select_in,
    select_pairs,
    stored_now,
)
from gridgov.registry.bulk_keys import PhoneNormaliser, PinyinCache
from gridgov.registry.cells import CellError
from gridgov.registry.child_process import can_fork, items_from_child
from gridgov.registry.choices import AttentionLevel, RelationToHead, ResidenceStatus, Sex
from gridgov.registry.columns import (
    CODED_WORDS,
    COLUMN_BY_KEY,
    REQUIRED_KEYS,
    column_for_header,
)
from gridgov.registry.models import Household, PopulationTag, Resident, ResidentMove
from gridgov.registry.spreadsheets import UnreadableFile, UnreadableRow, read_table

PERMISSION = "registry.import"
CHUNK_ROWS = 5000
PARALLEL_ROWS = 50_000  # a file this large is checked in a second process (see _run_rows)
# …on these databases. PostgreSQL does most of an import's work in its own server process,
# which needs the second core: a checking process there only competes with it (measured).
PARALLEL_DATABASES = frozenset(["sqlite"])
QUERY_BATCH = 2000
MAX_LISTED_PROBLEMS = 10_000
REMEMBERED_CELLS = 100_000  # answers remembered per column (a few MB at most)
UNREPEATED_KEYS = frozenset(["id_number", "phone", "notes"])
NO_TAGS: frozenset[str] = frozenset()
COMBINED_KEYS = frozenset([*CODED_WORDS, "tags"])  # see _Plan
LEVEL_LENGTHS = (15, 12, 9, 6, 4, 2)
ODD_DIGITS = frozenset("13579")  # the 17th digit of an ID number: odd for men
LIVING_HERE = ResidenceStatus.LIVING_HERE.value
# Made by the child process for a new resident's row: the person's columns as stored, a UUID.
STORED_PERSON = "stored_person"
NEW_UUID = "new_uuid"

# Person fields a file may set; an update compares and writes these.
PERSON_KEYS = tuple(
    [
        "name",
        "birth_date",
        "sex",
        "ethnicity",
        "phone",
        "relation_to_head",
        "residence_status",
        "education",
        "health_insurance",
        "disability_level",
        "notes",
    ]
)
HOUSEHOLD_VALUE_KEYS = ("address", "house_number", "household_type", "housing_safety")

RESIDENT_COLUMNS = tuple(
    [
        "id",
        "uuid",
        "grid_id",
        "region_code",
        "version",
        "created_at",
        "updated_at",
        "household_id",
        "name",
        "name_pinyin",
        "name_initials",
        "id_number",
        "id_last6",
        "birth_date",
        "sex",
        "ethnicity",
        "phone",
        "relation_to_head",
        "residence_status",
        "away_since",
        "education",
        "health_insurance",
        "disability_level",
        "notes",
    ]
)
RESIDENT_UPDATE_COLUMNS = tuple(
    [
        "household_id",
        "grid_id",
        "region_code",
        "name",
        "name_pinyin",
        "name_initials",
        "id_number",
        "id_last6",
        "birth_date",
        "sex",
        "ethnicity",
        "phone",
        "relation_to_head",
        "residence_status",
        "education",
        "health_insurance",
        "disability_level",
        "notes",
        "version",
        "updated_at",
    ]
)
HOUSEHOLD_COLUMNS = tuple(
    [
        "id",
        "uuid",
        "grid_id",
        "region_code",
        "version",
        "created_at",
        "updated_at",
        "address",
        "register_number",
        "house_number",
        "latitude",
        "longitude",
        "household_type",
        "housing_safety",
        "head_id",
        "notes",
    ]
)
HOUSEHOLD_UPDATE_COLUMNS = tuple(
    [
        "address",
        "register_number",
        "house_number",
        "household_type",
        "housing_safety",
        "head_id",
        "version",
        "updated_at",
    ]
)
TAG_COLUMNS = tuple(
    [
        "uuid",
        "resident_id",
        "region_code",
        "tag",
        "attention_level",
        "start_date",
        "end_date",
        "notes",
        "created_at",
    ]
)
MOVE_COLUMNS = tuple(
    [
        "resident_id",
        "from_household_id",
        "to_household_id",
        "from_region_code",
        "to_region_code",
        "moved_at",
        "reason",
    ]
)
# Indexes the import reads by while it writes (and SQLite's foreign-key checks use): kept
# when a large import builds the others after its rows are in (bulk.indexes_built_after).
RESIDENT_READ_BY = {("household_id",)}
HOUSEHOLD_READ_BY = {("head_id",), ("region_code", "register_number")}
_EXISTING_RESIDENT = ("id", "id_number", "region_code", "household_id", "version", *PERSON_KEYS)
_EXISTING_HOUSEHOLD = (
    "id",
    "region_code",
    "register_number",
    "head_id",
    "version",
    *HOUSEHOLD_VALUE_KEYS,
)


# --- The report ----------------------------------------------------------------------------


@dataclass
class Problem:
    """One thing wrong in the file: the spreadsheet row (the header is row 1), the column
    as headed in our template, the reason in Chinese and English, and the value (masked
    when it is an ID or phone number)."""

    row: int
    column: str
    reason: str
    value: str = ""

    def __str__(self) -> str:
        where = f"第 {self.row} 行 row {self.row}" if self.row else "文件 file"
        shown = f" [{self.value}]" if self.value else ""
        return f"{where} · {self.column}{shown}: {self.reason}"


@dataclass
class ImportReport:
    """What an import found and did (or, in a dry run, would do)."""

    file_name: str
    committed: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    tags_added: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)

    def counts(self) -> dict:
        return {
            "file": self.file_name,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "households_created": self.households_created,
            "households_updated": self.households_updated,
            "households_unchanged": self.households_unchanged,
            "tags_added": self.tags_added,
            "problems": self.problem_count,
        }

    def summary_lines(self) -> list[str]:
        verb = "已导入 imported" if self.committed else "试导入 dry run"
        lines = [
            f"{verb}: {self.file_name}, {self.rows} 行 rows, {self.seconds:.1f} s",
            f"居民 residents: 新增 created {self.created}, 更新 updated {self.updated}, "
            f"不变 unchanged {self.unchanged}",
            f"户 households: 新增 created {self.households_created}, "
            f"更新 updated {self.households_updated}, 不变 unchanged {self.households_unchanged}",
            f"人群标签 tags added: {self.tags_added}",
        ]
        if self.ignored_columns:
            lines.append("未使用的列 columns ignored: " + ", ".join(self.ignored_columns))
        if self.problem_count:
            lines.append(
                f"{self.problem_count} 处错误，未保存任何数据 "
                f"{self.problem_count} problem(s): nothing was saved."
            )
        return lines


# --- Households as the file describes them -----------------------------------------------


class _Household:
    """A household of the file: the register's own (`existing`) or a new one, with the
    values its members' rows give and which row gave each (to name conflicts)."""

    __slots__ = (
        "existing",
        "first_row",
        "grid",
        "head",
        "head_row",
        "members",
        "pk",
        "sources",
        "values",
    )

    def __init__(self, grid: str, first_row: int, pk: int, existing: dict | None):
        self.grid = grid
        self.first_row = first_row
        self.pk = pk
        self.existing = existing
        self.values: dict[str, str] = {}
        self.sources: dict[str, int] = {}
        self.head: int | None = None  # the resident pk the file names as head
        self.head_row = 0
        self.members = 0  # rows of the file that stay in it (good rows)


@dataclass
class _Plan:
    """How to read the rows of one file: each column used, in the file's order, as
    (index, key, parser, remembered answers, how many to remember). In a text file the
    coded columns and tags (sex, ethnicity, relation, education …) are also read together:
    their cells come in a few hundred combinations, so one look-up of the row's combination
    replaces one per cell. (Only text: an XLSX cell may be a number or a boolean, and
    1 == 1.0 == True as dictionary keys.)"""

    columns: list
    others: list  # `columns` without the combined ones
    combined: Callable[[list], tuple] | None = None  # the row's combined cells
    combined_keys: tuple = ()
    width: int = 0  # a row needs this many cells for `combined`
    combinations: dict = field(default_factory=dict)  # cells → their values


@dataclass
class _Grid:
    pk: int
    latitude: float | None
    longitude: float | None


# --- The import ----------------------------------------------------------------------------


class Importer:
    """One run over one file. `run()` returns the report; with commit=True the rows are
    saved when, and only when, the report has no problem."""

    def __init__(
        self,
        *,
        actor,
        commit: bool,
        progress: Callable[[int, int], None] | None = None,
        today: date | None = None,
    ):
        self.actor = actor
        self.commit = commit
        self.progress = progress
        self.today = today or timezone.localdate()
        self.scope = scope_codes(actor, PERMISSION)
        self.phones = PhoneNormaliser()
        self.pinyin = PinyinCache()
        self.ids = cells.IdNumbers(self.today)
        self.uuids = random_uuids()
        self.households: dict[tuple[str, str], _Household] = {}
        self.existing_households = 0  # of the file's households, how many the register has
        self.seen_ids: dict[str, int] = {}
        self.seen_names: dict[tuple[str, str, str], int] = {}
        self.matched: set[int] = set()  # existing residents already claimed by a row
        self.adopted: set[int] = set()
        self.moved: set[int] = set()
        self.touched_grids: set[str] = set()
        self._fake_id = 0

    # --- reading the header

    def _plan_columns(
        self, header: list, report: ImportReport, *, text_only: bool = False
    ) -> _Plan | None:
        plan, seen = [], {}
        for index, cell in enumerate(header):
            label = cells.text(cell)
            key = column_for_header(label)
            if key is None:
                if label:
                    report.ignored_columns.append(label)
                continue
            if key in seen:
                report.add(
                    Problem(
                        1,
                        COLUMN_BY_KEY[key].header,
                        f"第 {seen[key] + 1} 列和第 {index + 1} 列是同一项 "
                        f"Columns {seen[key] + 1} and {index + 1} are the same field.",
                        label,
                    )
                )
                continue
            seen[key] = index
            # A cell's answer is remembered by its text in the columns whose values repeat
            # (grid, household, coded words, names, dates), not in those unique to a person.
            limit = 0 if key in UNREPEATED_KEYS else REMEMBERED_CELLS
            plan.append((index, key, self._parser(key), {}, limit))
        for key in REQUIRED_KEYS:
            if key not in seen:
                column = COLUMN_BY_KEY[key]
                report.add(
                    Problem(
                        1,
                        column.header,
                        f"缺少“{column.header}”列 The {column.english} column is missing.",
                    )
                )
        if report.problem_count:
            return None
        combined = [entry for entry in plan if entry[1] in COMBINED_KEYS] if text_only else []
        if len(combined) < 2:
            return _Plan(columns=plan, others=plan)
        return _Plan(
            columns=plan,
            others=[entry for entry in plan if entry[1] not in COMBINED_KEYS],
            combined=itemgetter(*[entry[0] for entry in combined]),
            combined_keys=tuple(entry[1] for entry in combined),
            width=max(entry[0] for entry in combined) + 1,
        )

    def _parser(self, key: str):
        if key == "grid":
            return cells.grid_code
        if key == "birth_date":
            today = self.today
            return lambda value: cells.birth_date(value, today=today)
        if key == "phone":
            return cells.phone_parser(self.phones)
        if key in COLUMN_BY_KEY and key in cells.LIMITS:
            return getattr(cells, key)
        if key == "id_number":
            return self.ids.parse
        if key == "tags":
            return cells.tags
        return cells.coded(key)

    # --- the run

    def run(self, path: Path, *, file_name: str | None = None) -> ImportReport:
        started = time.perf_counter()
        report = ImportReport(file_name=file_name or os.path.basename(path))
        try:
            table = read_table(Path(path))
        except (UnreadableFile, OSError, UnicodeError) as error:
            report.add(Problem(0, "文件 file", str(error)))
            return report
        if not self.scope:
            table.close()
            report.add(
                Problem(
                    0,
                    "文件 file",
                    "您没有导入登记数据的权限 You may not import into the register.",
                )
            )
            return report
        try:
            plan = self._plan_columns(table.header, report, text_only=table.text_only)
            if plan is None:
                return report
            self.report = report
            self.grids = {
                code: _Grid(pk, latitude, longitude)
                for code, pk, latitude, longitude in Region.objects.filter(level="grid")
                .filter(scope_q(self.actor, PERMISSION, field="code"))
                .values_list("code", "id", "centroid_lat", "centroid_lon")
            }
            with roomy_cache(), cycle_collector_paused():
                if self.commit:
                    self._commit(table, plan)
                else:
                    self._run_rows(table, plan)
        finally:
            table.close()
            report.seconds = time.perf_counter() - started
        return report

    def _commit(self, table, plan) -> None:
        report = self.report
        try:
            with (
                transaction.atomic(),
                indexes_built_after(Resident, rows=table.estimated_rows, keep=RESIDENT_READ_BY),
                indexes_built_after(Household, rows=table.estimated_rows, keep=HOUSEHOLD_READ_BY),
                Pipeline() as self.pipeline,
            ):
                self._run_rows(table, plan)
                if report.ok:
                    self._audit()
                    report.committed = True
                else:
                    transaction.set_rollback(True)
        except IntegrityError:
            # Someone registered one of these people (or households) while we were saving.
            report.committed = False
            report.add(
                Problem(
                    0,
                    "文件 file",
                    "保存时有人同时登记了其中的人员，未保存任何数据，请重新导入 Someone "
                    "registered one of these people while the file was being saved: nothing "
                    "was saved, import it again.",
                )
            )

    @property
    def writing(self) -> bool:
        return self.commit and self.report.ok

    def _run_rows(self, table, plan) -> None:
        if self.commit:
            self.now = stored_now()
            self.resident_writer = Writer(Resident, RESIDENT_COLUMNS)
            self.household_writer = Writer(Household, HOUSEHOLD_COLUMNS)
            self.tag_writer = Writer(PopulationTag, TAG_COLUMNS)
            self.move_writer = Writer(ResidentMove, MOVE_COLUMNS)
        if (
            table.estimated_rows >= PARALLEL_ROWS
            and connection.vendor in PARALLEL_DATABASES
            and can_fork()
        ):
            # Two cores: a child process reads and checks chunk N+1 while this one matches
            # chunk N against the register and writes it. What needs the whole file (an ID
            # number twice) is found in the child, which reads every row in order; what
            # needs the register, here. Nothing is written by the child.
            checking = partial(self._checked_chunks, table, plan, in_child=True)
            with items_from_child(checking) as received:
                for rows, chunk, problems, problem_count in received:
                    self._take_over(rows, problems, problem_count)
                    self._resolve_chunk(chunk, table)
        else:
            for chunk in self._checked_chunks(table, plan):
                self._resolve_chunk(chunk, table)
        if self.report.rows == 0 and self.report.ok:  # (else the problem says why)
            self.report.add(Problem(0, "文件 file", "文件中没有数据行 The file has no rows."))
        self._finish_households()
        if self.progress:
            self.progress(self.report.rows, self.report.rows)

    def _checked_chunks(self, table, plan, *, in_child: bool = False):
        """The file's good rows, checked, as lists of (row number, values) of CHUNK_ROWS
        (the last one shorter, maybe empty); problems go to the report. In a child process
        (`in_child`) each chunk comes as the message for `_take_over`: with the rows read and
        the problems found since the previous one, and (committing) each row's person
        columns made ready for a new resident's row, which spares the writing process."""
        if in_child:
            self.report = ImportReport(file_name=self.report.file_name)  # this chunk's
            self.uuids = random_uuids()  # (not the parent's next ones, copied at the fork)
        chunk: list[tuple[int, dict]] = []
        try:
            for number, row in table.rows:
                self.report.rows += 1
                values = self._parse(number, row, plan)
                if values is not None:
                    if in_child:
                        birth = values.get("birth_date")
                        if birth is not None:
                            # Sent as text: a date object costs more to pickle than the rest
                            # of the row together (`_update` makes it a date again).
                            values["birth_date"] = birth.isoformat()
                        if self.commit:
                            values[STORED_PERSON] = self._stored_person(values)
                            values[NEW_UUID] = next(self.uuids)
                    chunk.append((number, values))
                if len(chunk) >= CHUNK_ROWS:
                    yield self._hand_over(chunk) if in_child else chunk
                    chunk = []
        except UnreadableRow as error:
            # The reader cannot go on (a quote never closed …): what follows cannot be
            # trusted, so reading stops; the rows before are checked, and nothing is saved.
            self.report.add(Problem(error.row, "文件 file", str(error)))
        yield self._hand_over(chunk) if in_child else chunk

    def _hand_over(self, chunk: list) -> tuple:
        """(In the child) the chunk with what the report learnt since the last one."""
        report = self.report
        message = (report.rows, chunk, report.problems, report.problem_count)
        report.rows, report.problems, report.problem_count = 0, [], 0
        return message

    def _take_over(self, rows: int, problems: list, problem_count: int) -> None:
        """Count the rows and problems the child found, in the file's order."""
        report = self.report
        report.rows += rows
        for problem in problems:
            report.add(problem)
        report.problem_count += problem_count - len(problems)  # (beyond those listed)

    def _resolve_chunk(self, chunk: list, table) -> None:
        self._resolve(chunk)
        if self.progress:
            self.progress(self.report.rows, table.estimated_rows)

    # --- one row

    def _problem(self, number: int, key: str, reason: str, value="") -> None:
        if key in ("id_number",):
            shown = mask_id_number(cells.half_width(value))
        elif key == "phone":
            shown = mask_phone(cells.half_width(value))
        else:
            shown = cells.text(value)[:40]
        header = COLUMN_BY_KEY[key].header if key in COLUMN_BY_KEY else key
        self.report.add(Problem(number, header, reason, shown))

    def _parse(self, number: int, row: list, plan: _Plan) -> dict | None:
        """The row's values, or None when something in it is wrong (each problem reported)."""
        values: dict = {}
        problems_before = self.report.problem_count
        width = len(row)
        combination = cells_combined = None
        if plan.combined is not None and width >= plan.width:
            cells_combined = plan.combined(row)
            combination = plan.combinations.get(cells_combined)
        if combination is not None:
            values.update(combination)
            entries = plan.others
        else:
            entries = plan.columns
        for index, key, parser, remembered, limit in entries:
            if index >= width:
                continue
            raw = row[index]
            if raw.__class__ is str:
                if not raw:
                    continue
                value = remembered.get(raw)
                if value is not None:
                    values[key] = value
                    continue
                text = raw.strip()
                if not text:
                    continue
                try:
                    value = values[key] = parser(text)
                except CellError as error:
                    self._problem(number, key, str(error), text)
                    continue
                if len(remembered) < limit:
                    remembered[raw] = value
                continue
            if raw is None:
                continue
            try:
                values[key] = parser(raw)
            except CellError as error:
                self._problem(number, key, str(error), raw)
        if (
            combination is None
            and cells_combined is not None
            and self.report.problem_count == problems_before
            and len(plan.combinations) < REMEMBERED_CELLS
        ):
            plan.combinations[cells_combined] = {
                key: values[key] for key in plan.combined_keys if key in values
            }
        if self.report.problem_count == problems_before:
            for key in REQUIRED_KEYS:
                if not values.get(key):
                    column = COLUMN_BY_KEY[key]
                    self._problem(
                        number, key, f"{column.header}必填 The {column.english} is required."
                    )
        grid = values.get("grid")
        if grid is not None and grid not in self.grids:
            # The same words for "no such grid" and "not yours": nothing to learn by probing.
            self._problem(
                number,
                "grid",
                f"网格 {grid} 不存在或不在您的导入范围内 "
                f"Grid {grid} does not exist or is outside the area you may import into.",
                grid,
            )
        id_number = values.get("id_number")
        if id_number is not None:
            self._check_against_id(number, values, id_number)
            first = self.seen_ids.get(id_number)
            if first is not None:
                self._problem(
                    number,
                    "id_number",
                    f"与第 {first} 行的身份证号码重复 The same ID number as row {first}.",
                    id_number,
                )
            else:
                self.seen_ids[id_number] = number
        elif "name" in values and grid is not None and "register_number" in values:
            key = (grid, values["register_number"], values["name"])
            first = self.seen_names.get(key)
            if first is not None:
                self._problem(
                    number,
                    "name",
                    f"与第 {first} 行同户同名且都没有身份证号码，无法区分 "
                    f"Same household and name as row {first}, and neither has an ID number.",
                    values["name"],
                )
            else:
                self.seen_names[key] = number
        if self.report.problem_count > problems_before:
            return None
        return values

    def _check_against_id(self, number: int, values: dict, id_number: str) -> None:
        born = self.ids.birth_date(id_number)
        sex = Sex.MALE if id_number[16] in ODD_DIGITS else Sex.FEMALE
        given = values.get("birth_date")
        if given is not None and given != born:
            self._problem(
                number,
                "birth_date",
                f"出生日期与身份证号码不符（号码为 {born:%Y-%m-%d}） "
                f"The birth date does not match the ID number ({born:%Y-%m-%d}).",
                f"{given:%Y-%m-%d}",
            )
        if values.get("sex", sex) != sex:
            label = "男 male" if sex == Sex.MALE else "女 female"
            self._problem(
                number,
                "sex",
                f"性别与身份证号码不符（号码为{label}） The sex does not match the ID number.",
                values["sex"],
            )
        values["birth_date"] = born
        values["sex"] = sex

    # --- a chunk of rows against the register

    def _new_id(self, writer_name: str) -> int:
        if self.writing:
            return getattr(self, writer_name).next_id()
        self._fake_id -= 1  # a dry run (or a failed commit) numbers what it will not save
        return self._fake_id

    def _resolve(self, chunk: list[tuple[int, dict]]) -> None:
        if not chunk:
            return
        if self.commit:
            self.pipeline.wait()  # the previous chunk is saved before we read again
        by_id = self._existing_by_id(
            [values["id_number"] for _n, values in chunk if "id_number" in values]
        )
        self._load_households(chunk, by_id)
        by_name = self._existing_by_name(chunk, by_id)
        matched = [record["id"] for record in (*by_id.values(), *by_name.values())]
        active_tags = self._active_tags(matched)
        batch = {"insert": [], "update": [], "tags": [], "moves": []}
        for number, values in chunk:
            household = self.households[(values["grid"], values["register_number"])]
            existing = by_id.get(values.get("id_number"))
            if existing is None:
                existing = by_name.get((household.pk, values["name"]))
            if existing is not None and existing["id"] in self.matched:
                existing = None
            self._apply(number, values, household, existing, active_tags, batch)
        if self.writing:
            payloads = (
                self.resident_writer.prepare(batch["insert"]),
                self.tag_writer.prepare(batch["tags"]),
                self.move_writer.prepare(batch["moves"]),
            )
            self.pipeline.submit(lambda: self._write(payloads, batch["update"]))

    def _write(self, payloads: tuple, updates: list[tuple]) -> None:
        """Save one chunk (in the pipeline's thread)."""
        residents, tags, moves = payloads
        self.resident_writer.send(residents)
        self.resident_writer.update(RESIDENT_UPDATE_COLUMNS, updates)
        self.tag_writer.send(tags)
        self.move_writer.send(moves)

    def _existing_by_id(self, id_numbers: list[str]) -> dict[str, dict]:
        found = {}
        for start in range(0, len(id_numbers), QUERY_BATCH):
            part = id_numbers[start : start + QUERY_BATCH]
            for record in select_in(Resident, _EXISTING_RESIDENT, "id_number", part):
                found[record["id_number"]] = record
        return found

    def _existing_by_name(self, chunk, by_id) -> dict[tuple[int, str], dict]:
        """Members without an ID number in the register, for rows the ID did not match."""
        if not self.existing_households:
            return {}  # (a first import: none of the file's households is in the register)
        household_pks = set()
        for _number, values in chunk:
            if values.get("id_number") not in by_id:
                household = self.households[(values["grid"], values["register_number"])]
                if household.existing is not None:
                    household_pks.add(household.pk)
        if not household_pks:
            return {}
        found = {}
        members = Resident.objects.filter(
            household_id__in=household_pks, id_number__isnull=True
        ).values(*_EXISTING_RESIDENT)
        for record in members:
            found.setdefault((record["household_id"], record["name"]), record)
        return found

    def _active_tags(self, resident_pks: list[int]) -> dict[int, set[str]]:
        tags: dict[int, set[str]] = {}
        for start in range(0, len(resident_pks), QUERY_BATCH):
            rows = PopulationTag.objects.filter(
                Q(end_date__isnull=True) | Q(end_date__gte=self.today),
                resident_id__in=resident_pks[start : start + QUERY_BATCH],
            ).values_list("resident_id", "tag")
            for resident_pk, tag in rows:
                tags.setdefault(resident_pk, set()).add(tag)
        return tags

    def _load_households(self, chunk, by_id) -> None:
        """Find the chunk's households that are new to this run: in the register by grid
        and 户编号; or, for a household entered by hand (no 户编号 yet), the one its
        members already belong to; or else a new household."""
        wanted: dict[tuple[str, str], int] = {}
        for number, values in chunk:
            key = (values["grid"], values["register_number"])
            if key not in self.households and key not in wanted:
                wanted[key] = number
        if not wanted:
            return
        found: dict[tuple[str, str], dict] = {}
        keys = list(wanted)
        for start in range(0, len(keys), QUERY_BATCH):
            records = select_pairs(
                Household,
                _EXISTING_HOUSEHOLD,
                ("region_code", "register_number"),
                keys[start : start + QUERY_BATCH],
            )
            for record in records:
                found.setdefault((record["region_code"], record["register_number"]), record)
        unmatched = {key for key in wanted if key not in found}
        if unmatched:
            found.update(self._households_to_adopt(chunk, by_id, unmatched))
        for key, first_row in wanted.items():
            record = found.get(key)
            if record is not None:
                self.households[key] = _Household(key[0], first_row, record["id"], record)
                self.existing_households += 1
            else:
                self.households[key] = _Household(
                    key[0], first_row, self._new_id("household_writer"), None
                )

    def _households_to_adopt(self, chunk, by_id, unmatched) -> dict:
        if not by_id:
            return {}  # (only a person already in the register brings a household along)
        candidates: dict[int, tuple[str, str]] = {}
        for _number, values in chunk:
            key = (values["grid"], values["register_number"])
            existing = by_id.get(values.get("id_number"))
            if key in unmatched and existing and existing["household_id"]:
                candidates.setdefault(existing["household_id"], key)
        if not candidates:
            return {}
        adopted = {}
        records = Household.objects.filter(
            id__in=[pk for pk in candidates if pk not in self.adopted], register_number=""
        ).values(*_EXISTING_HOUSEHOLD)
        for record in records:
            key = candidates[record["id"]]
            if record["region_code"] == key[0] and key not in adopted:
                adopted[key] = record
                self.adopted.add(record["id"])
        return adopted

    # --- deciding what a row does

    def _merge_household(self, number: int, values: dict, household: _Household) -> bool:
        clean = True
        for key in HOUSEHOLD_VALUE_KEYS:
            value = values.get(key)
            if value is None:
                continue
            if key not in household.values:
                household.values[key] = value
                household.sources[key] = number
            elif household.values[key] != value:
                first = household.sources[key]
                header = COLUMN_BY_KEY[key].header
                self._problem(
                    number,
                    key,
                    f"同一户（户编号 {values['register_number']}）第 {first} 行的{header}不同 "
                    f"Row {first} of the same household gives another {COLUMN_BY_KEY[key].english}.",
                    value,
                )
                clean = False
        return clean

    def _apply(self, number, values, household, existing, active_tags, batch) -> None:
        # The household's values count even when the person cannot be taken: one problem
        # is reported once, not again as "the household has no address".
        if not self._merge_household(number, values, household):
            return
        if existing is not None and not any(
            existing["region_code"].startswith(code) for code in self.scope
        ):
            self._problem(
                number,
                "id_number",
                "该身份证号码已在您的导入范围以外登记，请联系其所在地办理迁转 "
                "This ID number is registered outside the area you may import into: ask "
                "that office to move the person.",
                values.get("id_number", ""),
            )
            return
        if not household.members:
            household.first_row = number
        household.members += 1
        grid_code = household.grid
        grid = self.grids[grid_code]
        self.touched_grids.add(grid_code)
        tags = values.get("tags", NO_TAGS)
        writing = self.writing
        if existing is None:
            pk = self.resident_writer.next_id() if writing else self._new_id("resident_writer")
            self.report.created += 1
            if writing:
                batch["insert"].append(self._new_row(pk, values, household, grid))
            new_tags = tags
        else:
            pk = existing["id"]
            self.matched.add(pk)
            new_tags = tags - active_tags.get(pk, set())
            self._update(values, existing, household, grid, batch, bool(new_tags))
        if new_tags:
            self.report.tags_added += len(new_tags)
        if writing:
            for tag in new_tags:
                batch["tags"].append(
                    (
                        next(self.uuids),
                        pk,
                        grid_code,
                        tag,
                        AttentionLevel.GENERAL.value,
                        self.today.isoformat(),
                        None,
                        "",
                        self.now,
                    )
                )
        if values.get("relation_to_head") == RelationToHead.HEAD:
            if household.head is not None and household.head != pk:
                self._problem(
                    number,
                    "relation_to_head",
                    f"第 {household.head_row} 行已是该户户主，一户只能有一个户主 "
                    f"Row {household.head_row} is already the head of this household.",
                    values.get("name", ""),
                )
            else:
                household.head, household.head_row = pk, number

    def _new_row(self, pk: int, values: dict, household: _Household, grid: _Grid) -> tuple:
        person = values.get(STORED_PERSON) or self._stored_person(values)
        return (
            pk,
            values.get(NEW_UUID) or next(self.uuids),
            grid.pk,
            household.grid,
            1,
            self.now,
            self.now,
            household.pk,
            *person,
        )

    def _stored_person(self, values: dict) -> tuple:
        """A new resident's columns from `name` to `notes` (RESIDENT_COLUMNS), as stored."""
        get = values.get
        name = values["name"]
        pinyin, initials = self.pinyin.keys(name)
        id_number = get("id_number")
        birth = get("birth_date")  # a date, or its text in a child process
        return (
            name,
            pinyin,
            initials,
            id_number,
            id_number[-6:] if id_number else "",
            None if birth is None else birth if birth.__class__ is str else birth.isoformat(),
            get("sex", ""),
            get("ethnicity", ""),
            get("phone", ""),
            get("relation_to_head", ""),
            get("residence_status", LIVING_HERE),
            None,
            get("education", ""),
            get("health_insurance", ""),
            get("disability_level", ""),
            get("notes", ""),
        )

    def _update(self, values, existing, household, grid, batch, tags_added: bool) -> None:
        birth = values.get("birth_date")
        if birth.__class__ is str:  # as a child process sends it
            values["birth_date"] = date.fromisoformat(birth)
        merged = {key: values.get(key, existing[key]) for key in PERSON_KEYS}
        id_number = values.get("id_number") or existing["id_number"]
        changed = (
            any(merged[key] != existing[key] for key in PERSON_KEYS)
            or id_number != existing["id_number"]
            or household.pk != existing["household_id"]
        )
        if not changed:
            if tags_added:
                self.report.updated += 1
            else:
                self.report.unchanged += 1
            return
        self.report.updated += 1
        pk = existing["id"]
        moved = household.pk != existing["household_id"]
        if moved:
            self.moved.add(pk)
        if not self.writing:
            return
        if moved:
            batch["moves"].append(
                (
                    pk,
                    existing["household_id"],
                    household.pk,
                    existing["region_code"],
                    household.grid,
                    self.now,
                    f"批量导入 import: {self.report.file_name}"[:200],
                )
            )
        pinyin, initials = self.pinyin.keys(merged["name"])
        birth = merged["birth_date"]
        batch["update"].append(
            (
                household.pk,
                grid.pk,
                household.grid,
                merged["name"],
                pinyin,
                initials,
                id_number,
                id_number[-6:] if id_number else "",
                birth.isoformat() if birth else None,
                merged["sex"],
                merged["ethnicity"],
                merged["phone"],
                merged["relation_to_head"],
                merged["residence_status"],
                merged["education"],
                merged["health_insurance"],
                merged["disability_level"],
                merged["notes"],
                existing["version"] + 1,
                self.now,
                pk,
            )
        )

    # --- after the last row

    def _finish_households(self) -> None:
        if self.commit:
            self.pipeline.wait()
        inserts, updates = [], []
        for (grid_code, register_number), household in self.households.items():
            values = household.values
            existing = household.existing
            if not household.members:
                continue  # every row of it had a problem, reported already
            if existing is None:
                if not values.get("address"):
                    self._problem(
                        household.first_row,
                        "address",
                        f"新户（户编号 {register_number}）需要填写地址 "
                        f"A new household ({register_number}) needs an address.",
                    )
                    continue
                self.report.households_created += 1
                if self.writing:
                    grid = self.grids[grid_code]
                    inserts.append(
                        (
                            household.pk,
                            next(self.uuids),
                            grid.pk,
                            grid_code,
                            1,
                            self.now,
                            self.now,
                            values["address"],
                            register_number,
                            values.get("house_number", ""),
                            grid.latitude,
                            grid.longitude,
                            values.get("household_type", "registered"),
                            values.get("housing_safety", ""),
                            household.head,
                            "",
                        )
                    )
                continue
            head = household.head
            if head is None:
                head = None if existing["head_id"] in self.moved else existing["head_id"]
            merged = {key: values.get(key, existing[key]) for key in HOUSEHOLD_VALUE_KEYS}
            if (
                all(merged[key] == existing[key] for key in HOUSEHOLD_VALUE_KEYS)
                and head == existing["head_id"]
                and existing["register_number"] == register_number
            ):
                self.report.households_unchanged += 1
                continue
            self.report.households_updated += 1
            if self.writing:
                updates.append(
                    (
                        merged["address"],
                        register_number,
                        merged["house_number"],
                        merged["household_type"],
                        merged["housing_safety"],
                        head,
                        existing["version"] + 1,
                        self.now,
                        existing["id"],
                    )
                )
        if not self.writing:
            return
        # A head who moved to another household is no longer head of the old one.
        moved = sorted(self.moved)
        for start in range(0, len(moved), QUERY_BATCH):
            Household.objects.filter(head_id__in=moved[start : start + QUERY_BATCH]).update(
                head=None
            )
        self.household_writer.insert(inserts)
        self.household_writer.update(HOUSEHOLD_UPDATE_COLUMNS, updates)
        if moved:
            self._retag_moved(moved)

    def _retag_moved(self, moved: list[int]) -> None:
        """Tags carry their person's grid code: moved people's tags move with them."""
        for start in range(0, len(moved), QUERY_BATCH):
            part = moved[start : start + QUERY_BATCH]
            for pk, region_code in Resident.objects.filter(pk__in=part).values_list(
                "pk", "region_code"
            ):
                PopulationTag.objects.filter(resident_id=pk).exclude(
                    region_code=region_code
                ).update(region_code=region_code)

    def _audit(self) -> None:
        audit.record(
            actor=self.actor,
            action="registry.import",
            region_code=_common_region(self.touched_grids),
            after=self.report.counts(),
        )


def _common_region(codes: set[str]) -> str:
    """The smallest region holding every grid the file touched (its code)."""
    if not codes:
        return ""
    ordered = sorted(codes)
    first, last = ordered[0], ordered[-1]  # the common prefix of all is theirs
    shared = next(
        (i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first)
    )
    prefix = first[:shared]
    return next((prefix[:length] for length in LEVEL_LENGTHS if length <= len(prefix)), "")


def import_file(
    path: Path,
    *,
    actor,
    commit: bool = False,
    file_name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Check (and with commit=True, save) the register rows of a CSV or XLSX file."""
    return Importer(actor=actor, commit=commit, progress=progress).run(path, file_name=file_name)
