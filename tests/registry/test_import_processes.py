"""A large file is checked in a second process while the first matches and writes: the
report and the register come out as from one process (test_import.py runs every test both
ways; these are the cases particular to the split)."""

import csv
import threading
from datetime import date

import pytest

from gridgov.registry import imports
from gridgov.registry.child_process import ChildFailed
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


def test_a_file_the_checking_process_cannot_read_saves_nothing(tmp_path):
    rows = village(5)
    rows[6]["备注"] = "长" * 200_000  # row 8: longer than the CSV reader takes
    before = Resident.objects.count()

    with pytest.raises(ChildFailed, match="field larger than field limit"):
        import_file(
            write_csv(tmp_path / "v.csv", rows), actor=personas.persona("township"), commit=True
        )

    assert Resident.objects.count() == before


def test_while_other_threads_run_the_file_is_checked_in_this_process(tmp_path):
    # A threaded web server: a forked child would start with whatever locks the other
    # threads held, so the import stays in one process (and the reader's own error shows).
    rows = village(5)
    rows[6]["备注"] = "长" * 200_000
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with pytest.raises(csv.Error, match="field larger than field limit"):
            import_file(
                write_csv(tmp_path / "v.csv", rows), actor=personas.persona("township"), commit=True
            )
    finally:
        stop.set()
        other.join()
