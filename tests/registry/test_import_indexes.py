"""A large import builds some of the register's indexes after its rows are in (SQLite):
whatever happens, the register keeps every index it had, and the data is right."""

from datetime import date

import pytest
from django.db import connection

from gridgov.registry.imports import import_file
from gridgov.registry.models import Household, Resident
from gridgov.testing import personas
from gridgov.testing.spreadsheets import id_number, person, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_process")]

TABLES = ("registry_resident", "registry_household")


def indexes() -> set[tuple[str, str, str]]:
    """Every index of the resident and household tables: (table, name, definition)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name, name, coalesce(sql, '') FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name IN (%s, %s)",
                TABLES,
            )
        else:
            cursor.execute(
                "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename IN (%s, %s)",
                TABLES,
            )
        return set(cursor.fetchall())


def village(households: int, *, bad_last_row: bool = False) -> list[dict]:
    """`households` households of three people each, in one grid."""
    rows = []
    for number in range(households):
        born = date(1960 + number % 30, 1 + number % 12, 1 + number % 28)
        for member, relation in enumerate(("户主", "配偶", "儿子")):
            serial = number * 3 + member
            rows.append(
                person(
                    household=f"{number:04d}",
                    address=f"梨子寨{number}号",
                    name=f"龙{'建国秀英小燕'[member * 2 : member * 2 + 2]}",
                    id=id_number(born, serial * 2 + 1 if member != 1 else serial * 2),
                    phone=f"138{number:04d}{member:04d}",
                    relation=relation,
                )
            )
    if bad_last_row:
        rows[-1]["出生日期"] = "去年"
    return rows


def test_a_large_import_keeps_every_index(tmp_path):
    before = indexes()
    path = write_csv(tmp_path / "village.csv", village(40))

    report = import_file(path, actor=personas.persona("township"), commit=True)

    assert report.ok and report.committed, report.problems
    assert (report.created, report.households_created) == (120, 40)
    assert indexes() == before
    # The rebuilt indexes hold the new rows: found by phone, last six digits, birth date.
    someone = Resident.objects.get(phone="13800070001")
    assert Resident.objects.filter(id_last6=someone.id_number[-6:]).get() == someone
    assert someone in Resident.objects.filter(birth_date=someone.birth_date)
    assert Household.objects.get(region_code=someone.region_code, register_number="0007").head


def test_a_refused_large_import_saves_nothing_and_keeps_every_index(tmp_path):
    before, residents = indexes(), Resident.objects.count()
    path = write_csv(tmp_path / "village.csv", village(40, bad_last_row=True))

    report = import_file(path, actor=personas.persona("township"), commit=True)

    assert not report.committed
    assert [(problem.row, problem.column) for problem in report.problems] == [(121, "出生日期")]
    assert Resident.objects.count() == residents
    assert indexes() == before


def test_a_small_file_into_a_larger_register(tmp_path):
    """A file smaller than the register: its rows go into the indexes as they are."""
    actor = personas.persona("township")
    rows = village(10)
    assert import_file(write_csv(tmp_path / "all.csv", rows), actor=actor, commit=True).ok
    before = indexes()
    moved = dict(rows[4], 户编号="0009", 联系电话="13912345678")  # to another household

    report = import_file(write_csv(tmp_path / "one.csv", [moved]), actor=actor, commit=True)

    assert report.committed and (report.created, report.updated) == (0, 1)
    resident = Resident.objects.get(phone="13912345678")
    assert resident.household.register_number == "0009"
    assert resident.moves.count() == 1
    assert indexes() == before
