"""A large file is checked in a second process while the first matches and writes: the
report and the register come out as from one process (test_import.py runs every test both
ways; these are the cases particular to the split)."""

import os
import threading
from datetime import date

import pytest

from gridgov.registry import imports
from gridgov.registry.imports import import_file
from gridgov.registry.models import Household, Resident
from gridgov.testing import personas
from gridgov.testing.spreadsheets import id_number, person, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def two_processes(monkeypatch):
    """Every file counts as large, on either database; chunks of three rows."""
    monkeypatch.setattr(imports, "PARALLEL_ROWS", 1)
    monkeypatch.setattr(imports, "PARALLEL_DATABASES", {"sqlite", "postgresql"})
    monkeypatch.setattr(imports, "CHUNK_ROWS", 3)


def village(households: int) -> list[dict]:
    """`households` households of two, one after the other (rows 2, 3, 4, …)."""
    rows = []
    for number in range(households):
        born = date(1950 + number % 40, 1 + number % 12, 1 + number % 28)
        for member, relation in enumerate(("户主", "配偶")):
            rows.append(
                person(
                    household=f"{number:04d}",
                    address=f"梨子寨{number}号",
                    name=f"{'龙石'[member]}{'建国秀英'[number % 4]}",
                    id=id_number(born, number * 4 + (1 if member == 0 else 2)),
                    relation=relation,
                )
            )
    return rows


def test_every_bad_row_in_every_chunk_is_listed_in_order_and_nothing_is_saved(tmp_path):
    rows = village(10)  # rows 2-21
    rows[1]["出生日期"] = "去年"  # row 3, first chunk
    rows[9]["联系电话"] = "12345"  # row 11, a middle chunk
    rows[16]["身份证号码"] = rows[4]["身份证号码"]  # row 18: the same person as row 6
    rows[19]["民族"] = "火星族"  # row 21, the last chunk (one row)
    path = write_csv(tmp_path / "village.csv", rows)
    before = (Resident.objects.count(), Household.objects.count())

    report = import_file(path, actor=personas.persona("township"), commit=True)

    assert [(problem.row, problem.column) for problem in report.problems] == [
        (3, "出生日期"),
        (11, "联系电话"),
        (18, "身份证号码"),
        (21, "民族"),
    ]
    assert "与第 6 行" in report.problems[2].reason
    assert report.rows == 20 and not report.committed
    assert (Resident.objects.count(), Household.objects.count()) == before


def test_problems_beyond_the_listed_ones_are_still_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "MAX_LISTED_PROBLEMS", 3)
    rows = village(4)
    for row in rows:
        row["民族"] = "火星族"

    report = import_file(write_csv(tmp_path / "v.csv", rows), actor=personas.persona("township"))

    assert report.problem_count == 8
    assert [problem.row for problem in report.problems] == [2, 3, 4]


def test_a_second_import_updates_the_people_it_finds(tmp_path):
    township = personas.persona("township")
    rows = village(6)
    first = import_file(write_csv(tmp_path / "v.csv", rows), actor=township, commit=True)
    assert first.committed and first.created == 12
    rows[7]["联系电话"] = "13912345678"  # row 9 (a later chunk) changes a phone

    second = import_file(write_csv(tmp_path / "v2.csv", rows), actor=township, commit=True)

    assert second.committed, second.problems
    assert (second.created, second.updated, second.unchanged) == (0, 1, 11)
    assert (second.households_created, second.households_unchanged) == (0, 6)
    assert Resident.objects.filter(id_number=rows[7]["身份证号码"]).get().phone == "13912345678"


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """The child processes the test forks (their process ids), as os.fork reports them."""
    started = []
    fork = os.fork

    def counted_fork() -> int:
        pid = fork()
        if pid:  # (in the parent; the child's own list is a copy nobody reads)
            started.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counted_fork)
    return started


def test_a_file_the_checking_process_cannot_read_is_reported_and_saves_nothing(tmp_path, forks):
    rows = village(5)
    rows[1]["民族"] = "火星族"  # row 3: a problem before
    rows[6]["备注"] = "长" * 200_000  # row 8: longer than the CSV reader takes
    before = Resident.objects.count()

    report = import_file(
        write_csv(tmp_path / "v.csv", rows), actor=personas.persona("township"), commit=True
    )

    assert len(forks) == 1  # checked in a second process
    assert [(problem.row, problem.column) for problem in report.problems] == [
        (3, "民族"),
        (8, "文件 file"),
    ]
    reason = report.problems[1].reason
    assert "从第 8 行起无法读取：单元格超过 131072 个字符" in reason
    assert "From row 8 on, the file cannot be read: a cell is longer than 131,072" in reason
    assert report.rows == 6  # rows 2-7; reading stopped at row 8
    assert not report.committed
    assert Resident.objects.count() == before


def test_while_other_threads_run_the_file_is_checked_in_this_process(tmp_path, forks):
    # A threaded web server: a forked child would start with whatever locks the other
    # threads held, so the import stays in one process (and reports the same).
    rows = village(5)
    rows[6]["备注"] = "长" * 200_000
    before = Resident.objects.count()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        report = import_file(
            write_csv(tmp_path / "v.csv", rows), actor=personas.persona("township"), commit=True
        )
    finally:
        stop.set()
        other.join()

    assert forks == []
    assert [(problem.row, problem.column) for problem in report.problems] == [(8, "文件 file")]
    assert "131072" in report.problems[0].reason
    assert report.rows == 6 and not report.committed
    assert Resident.objects.count() == before
