"""`gridgov registry import`: the dry-run report, all-or-nothing commit, re-import, scope.

Every test writes a real file (CSV with the csv module, XLSX with openpyxl) to tmp_path and
imports it through the command, as a township office would."""

from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gridgov.accounts.models import AuditEntry
from gridgov.regions.models import Region
from gridgov.registry import actions
from gridgov.registry.choices import (
    Education,
    Ethnicity,
    HouseholdType,
    RelationToHead,
    ResidenceStatus,
    Sex,
    Tag,
)
from gridgov.registry.imports import import_file
from gridgov.registry.models import Household, PopulationTag, Resident, ResidentMove
from gridgov.testing import personas
from gridgov.testing.spreadsheets import HEADERS, id_number, person, write_csv, write_xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_process")]

GRID_1, GRID_2 = personas.GRID_1, personas.GRID_2

LONG = id_number(date(1980, 5, 17), 131)  # 龙建国, man
WIFE = id_number(date(1982, 3, 9), 242)  # 石秀英, woman
SON = id_number(date(2005, 11, 2), 351)
NEIGHBOUR = id_number(date(1956, 1, 1), 17)


def run_import(path, username="township", *, commit=False) -> tuple[str, bool]:
    """The command's report and whether it succeeded (exit code 0)."""
    output = StringIO()
    try:
        call_command(
            "registry",
            "import",
            str(path),
            "--as",
            username,
            *(["--commit"] * commit),
            stdout=output,
        )
    except CommandError:
        return output.getvalue(), False
    return output.getvalue(), True


def family() -> list[dict]:
    return [
        person(
            household="0012",
            address="双龙镇十八洞村梨子寨",
            house_number="12号",
            household_type="户籍户",
            safety="B级",
            name="龙建国",
            id=LONG,
            sex="男",
            born="1980-05-17",
            ethnicity="苗族",
            phone="13874312345",
            relation="户主",
            status="在家居住",
            education="初中",
            insurance="城乡居民医保",
            tags="脱贫户",
        ),
        person(
            household="0012",
            name="石秀英",
            id=WIFE,
            ethnicity="土家族",
            relation="配偶",
            status="外出务工",
            phone="13974398765",
            insurance="城乡居民医保",
        ),
        person(household="0012", name="龙小军", id=SON, relation="儿子", education="高中"),
        person(
            grid=GRID_2,
            household="0031",
            address="十八洞村竹子寨",
            name="施成富",
            id=NEIGHBOUR,
            relation="户主",
            tags="独居老人，残疾人",
            disability="二级",
        ),
    ]


def counts() -> tuple[int, int, int, int, int]:
    return (
        Resident.objects.count(),
        Household.objects.count(),
        PopulationTag.objects.count(),
        ResidentMove.objects.count(),
        AuditEntry.objects.count(),
    )


# --- A good file ----------------------------------------------------------------------------


def test_good_csv_commits_households_people_and_tags(tmp_path):
    path = write_csv(tmp_path / "十八洞村.csv", family(), encoding="utf-8-sig")
    before = counts()

    report, ok = run_import(path)  # a dry run first
    assert ok, report
    assert "新增 created 4, 更新 updated 0, 不变 unchanged 0" in report
    assert counts() == before  # a dry run saves nothing

    report, ok = run_import(path, commit=True)
    assert ok, report
    assert "户 households: 新增 created 2" in report
    assert counts()[:3] == (before[0] + 4, before[1] + 2, before[2] + 3)

    long = Resident.objects.get(id_number=LONG)
    household = long.household
    assert (household.register_number, household.region_code, household.address) == (
        "0012",
        GRID_1,
        "双龙镇十八洞村梨子寨",
    )
    assert household.head == long
    assert household.housing_safety == "B" and household.household_type == HouseholdType.REGISTERED
    assert (household.latitude, household.longitude) != (None, None)  # the grid's centre
    assert long.birth_date == date(1980, 5, 17) and long.sex == Sex.MALE
    assert long.ethnicity == Ethnicity.MIAO and long.education == Education.JUNIOR
    assert (long.name_pinyin, long.name_initials, long.id_last6) == (
        "longjianguo",
        "ljg",
        LONG[-6:],
    )
    assert list(long.tags.values_list("tag", flat=True)) == [Tag.POVERTY_EXITED]
    wife = Resident.objects.get(id_number=WIFE)
    assert wife.residence_status == ResidenceStatus.WORKING_AWAY
    assert wife.ethnicity == Ethnicity.TUJIA and wife.relation_to_head == RelationToHead.SPOUSE
    assert wife.sex == Sex.FEMALE and wife.birth_date == date(1982, 3, 9)  # from the ID
    neighbour = Resident.objects.get(id_number=NEIGHBOUR)
    assert neighbour.region_code == GRID_2 and neighbour.disability_level == "2"
    assert set(neighbour.tags.values_list("tag", flat=True)) == {Tag.ELDERLY_ALONE, Tag.DISABLED}
    assert all(tag.region_code == GRID_2 for tag in neighbour.tags.all())


def test_one_audit_entry_per_import_with_counts_and_no_personal_values(tmp_path):
    path = write_xlsx(tmp_path / "梨子寨.xlsx", family())
    before = AuditEntry.objects.count()

    report, ok = run_import(path, commit=True)

    assert ok, report
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("id")
    assert entry.action == "registry.import" and entry.actor_label == "township"
    assert entry.region_code == personas.VILLAGE  # both grids are in 十八洞村
    assert entry.after["file"] == "梨子寨.xlsx"
    assert (entry.after["created"], entry.after["households_created"]) == (4, 2)
    text = str(entry.after) + str(entry.before) + entry.reason
    for secret in (LONG, WIFE, "13874312345", "龙建国"):
        assert secret not in text


def test_imported_person_has_the_fields_an_action_gives(tmp_path):
    """The bulk path derives what `actions.create_resident` derives (pinyin, last six …)."""
    township = personas.persona("township")
    path = write_csv(tmp_path / "one.csv", [dict(family()[1], 地址="梨子寨")])
    run_import(path, commit=True)
    imported = Resident.objects.get(id_number=WIFE)
    other = id_number(date(1982, 3, 9), 244)
    made, _created = actions.create_resident(
        actor=township,
        household=imported.household,
        name="石秀英",
        id_number=other,
        phone="139 7439 8765",
        ethnicity=Ethnicity.TUJIA,
        relation_to_head=RelationToHead.SPOUSE,
        residence_status=ResidenceStatus.WORKING_AWAY,
        health_insurance="urban_rural",
    )
    skip = {"id", "uuid", "created_at", "updated_at", "id_number", "id_last6"}
    for field in Resident._meta.concrete_fields:
        if field.name not in skip:
            assert getattr(imported, field.attname) == getattr(made, field.attname), field.name


# --- Re-import ---------------------------------------------------------------------------


def test_reimport_changes_nothing_then_updates_without_duplicating(tmp_path):
    rows = family()
    path = write_csv(tmp_path / "a.csv", rows)
    run_import(path, commit=True)
    after_first = counts()
    long = Resident.objects.get(id_number=LONG)

    report, ok = run_import(path, commit=True)

    assert ok, report
    assert "新增 created 0, 更新 updated 0, 不变 unchanged 4" in report
    assert "户 households: 新增 created 0, 更新 updated 0, 不变 unchanged 2" in report
    assert counts()[:4] == after_first[:4]

    # A new phone for one, a new tag for another, and the son moves to grid 2's household.
    rows[0]["联系电话"] = "13874300000"
    rows[1]["人群标签"] = "留守妇女"
    rows[2].update({"网格代码": GRID_2, "户编号": "0031", "与户主关系": "其他亲属"})
    report, ok = run_import(write_csv(tmp_path / "b.csv", rows), commit=True)

    assert ok, report
    assert "新增 created 0, 更新 updated 3, 不变 unchanged 1" in report
    assert Resident.objects.count() == after_first[0]
    long.refresh_from_db()
    assert long.phone == "13874300000" and long.version == 2
    son = Resident.objects.get(id_number=SON)
    assert son.region_code == GRID_2 and son.household.register_number == "0031"
    move = ResidentMove.objects.get(resident=son)
    assert (move.from_region_code, move.to_region_code) == (GRID_1, GRID_2)
    assert "b.csv" in move.reason
    assert list(Resident.objects.get(id_number=WIFE).tags.values_list("tag", flat=True)) == [
        Tag.LEFT_BEHIND_WOMAN
    ]


def test_empty_cells_leave_the_register_alone(tmp_path):
    run_import(write_csv(tmp_path / "a.csv", family()), commit=True)
    sparse = [{"网格代码": GRID_1, "户编号": "0012", "姓名": "龙建国", "身份证号码": LONG}]

    report, ok = run_import(write_csv(tmp_path / "b.csv", sparse), commit=True)

    assert ok, report
    assert "不变 unchanged 1" in report
    long = Resident.objects.get(id_number=LONG)
    assert long.phone == "13874312345" and long.education == Education.JUNIOR


def test_household_entered_by_hand_is_recognised_by_its_members(tmp_path):
    """A household registered one by one has no 户编号; importing its members gives it one
    instead of creating a second household."""
    worker = personas.persona("worker_a")
    grid = Region.objects.get(code=GRID_1)
    household, _ = actions.create_household(actor=worker, grid=grid, address="梨子寨 3 号")
    actions.create_resident(actor=worker, household=household, name="龙建国", id_number=LONG)
    actions.create_resident(actor=worker, household=household, name="龙小军")  # no ID yet

    rows = [family()[0], person(household="0012", name="龙小军", id=SON, relation="儿子")]
    report, ok = run_import(write_csv(tmp_path / "a.csv", rows), commit=True)

    assert ok, report
    household.refresh_from_db()
    assert household.register_number == "0012" and household.head.id_number == LONG
    assert household.members.count() == 2  # 龙小军 got his ID number, not a twin
    assert household.members.get(name="龙小军").id_number == SON


# --- Encodings and Excel's ways with dates --------------------------------------------------


def test_gb18030_csv_from_chinese_excel(tmp_path):
    path = write_csv(tmp_path / "gbk.csv", family(), encoding="gb18030")
    assert "龙建国".encode("gb18030") in path.read_bytes()

    report, ok = run_import(path, commit=True)

    assert ok, report
    assert Resident.objects.get(id_number=LONG).name == "龙建国"
    assert Household.objects.get(register_number="0012").address == "双龙镇十八洞村梨子寨"


def test_excel_dates_and_full_width_digits_are_accepted(tmp_path):
    people = [
        # An Excel serial number (1980-05-17 is day 29358), in a number cell.
        person(household="1", address="梨子寨", name="龙建国", id=LONG, born=29358),
        person(household="1", name="石秀英", id=WIFE, born="1982/3/9", relation="配偶"),
        person(household="1", name="龙小军", id=SON, born="2005年11月2日", relation="子"),
        person(
            household="2",
            address="竹子寨",
            name="施成富",
            # Full-width digits, as a Chinese input method types them.
            id=NEIGHBOUR.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            born=datetime(1956, 1, 1),
            phone="１３８７４３１２３４５",
            grid="４３３１２４１１０２２６００１",
        ),
    ]
    report, ok = run_import(write_xlsx(tmp_path / "dates.xlsx", people), commit=True)

    assert ok, report
    assert Resident.objects.get(id_number=NEIGHBOUR).phone == "13874312345"

    # The same serial number as text in a CSV file.
    people[0]["出生日期"] = "29358"
    report, ok = run_import(write_csv(tmp_path / "dates.csv", people))
    assert ok, report


def test_forgiving_headers(tmp_path):
    headers = [f" {h} " for h in HEADERS]
    headers[6] = "*姓名"
    headers[7] = "身份证号（18位）"
    headers[11] = "手机号码"
    rows = [{h: row.get(h.strip().lstrip("*"), "") for h in headers} for row in family()]
    for source, row in zip(family(), rows, strict=True):
        row["*姓名"] = source["姓名"]
        row["身份证号（18位）"] = source.get("身份证号码", "")
        row["手机号码"] = source.get("联系电话", "")
    path = write_csv(tmp_path / "headers.csv", rows, headers=[*headers, "村民小组"])

    report, ok = run_import(path, commit=True)

    assert ok, report
    assert "未使用的列 columns ignored: 村民小组" in report
    assert Resident.objects.get(id_number=LONG).phone == "13874312345"


# --- A bad file: every problem listed, nothing saved -----------------------------------------


def test_bad_rows_are_all_listed_and_commit_changes_nothing(tmp_path):
    bad_checksum = LONG[:-1] + ("0" if LONG[-1] != "0" else "1")
    rows = [
        family()[0],  # row 2: good
        person(household="0012", name="甲", id=bad_checksum),  # 3: bad checksum
        person(household="0012", name="乙", id=WIFE, born="1983-03-09"),  # 4: birth ≠ ID
        person(household="0012", name="丙", born="1980-02-30"),  # 5: impossible date
        person(grid="433124110226999", household="9", address="x", name="丁"),  # 6: no grid
        person(grid=personas.OTHER_GRID, household="9", address="x", name="戊"),  # 7: not mine
        person(household="0012", name="龙建国二", id=LONG),  # 8: duplicate of row 2
        person(household="0012", name="己", id="433124800517131"),  # 9: 15-digit legacy ID
        person(household="0012", name="庚", ethnicity="火星族"),  # 10: unknown ethnicity
        person(household="0012", name="", id=SON),  # 11: no name
        person(household="0012", name="辛", phone="12345"),  # 12: bad phone
        person(household="0012", name="壬", relation="邻居"),  # 13: unknown relation
        person(household="0012", name="癸", tags="低保,火星人"),  # 14: unknown tag
        person(household="0012", name="子", id=NEIGHBOUR, sex="女"),  # 15: sex ≠ ID
        person(household="0012", name="丑", address="别处", relation="女儿"),  # 16: 2 addresses
        person(household="0012", name="寅", relation="户主"),  # 17: a second head
        person(household="0012", name="卯", born="去年"),  # 18: not a date
        person(household="0012", name="辰", id="433124********1311"),  # 19: a masked ID
    ]
    for row in rows[1:]:
        if row["与户主关系"] == "户主" and row["姓名"] != "寅":
            row["与户主关系"] = "子"
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    township = personas.persona("township")
    before = counts()

    dry = import_file(path, actor=township)
    committed = import_file(path, actor=township, commit=True)

    expected = {
        (3, "身份证号码"): "校验位",
        (4, "出生日期"): "不符",
        (5, "出生日期"): "不存在",
        (6, "网格代码"): "不存在或不在您的导入范围内",
        (7, "网格代码"): "不存在或不在您的导入范围内",
        (8, "身份证号码"): "与第 2 行",
        (9, "身份证号码"): "15 位",
        (10, "民族"): "火星族",
        (11, "姓名"): "必填",
        (12, "联系电话"): "无效",
        (13, "与户主关系"): "邻居",
        (14, "人群标签"): "火星人",
        (15, "性别"): "不符",
        (16, "地址"): "第 2 行",
        (17, "与户主关系"): "第 2 行已是该户户主",
        (18, "出生日期"): "无法识别",
        (19, "身份证号码"): "脱敏",
    }
    for report in (dry, committed):
        found = {(problem.row, problem.column): problem.reason for problem in report.problems}
        for where, words in expected.items():
            assert where in found, (where, found)
            assert words in found[where], (where, found[where])
        assert not [p for p in report.problems if p.row == 2]  # the good row stays good
        assert report.problem_count == len(expected)
        assert not report.committed
        # Every reason is in both languages.
        assert all(any(c.isascii() and c.isalpha() for c in p.reason) for p in report.problems)
    # The same message for a grid that does not exist and one outside the importer's scope.
    missing = found[(6, "网格代码")].replace("433124110226999", "X")
    assert missing == found[(7, "网格代码")].replace(personas.OTHER_GRID, "X")
    assert counts() == before
    # The report never shows an ID number in full.
    assert all(LONG not in str(problem) for problem in committed.problems)

    output, ok = run_import(path, commit=True)
    assert not ok
    assert "第 3 行 row 3 · 身份证号码" in output and "nothing was saved" in output
    assert counts() == before


def test_excel_number_cells_that_lost_digits_are_caught(tmp_path):
    rows = [person(household="1", address="梨子寨", name="龙建国", id=float(LONG))]
    township = personas.persona("township")

    report = import_file(write_xlsx(tmp_path / "numbers.xlsx", rows), actor=township)

    assert [(p.row, p.column) for p in report.problems] == [(2, "身份证号码")]
    assert "文本" in report.problems[0].reason


def test_missing_columns_are_reported_before_any_row(tmp_path):
    path = write_csv(tmp_path / "short.csv", family(), headers=["姓名", "身份证号码"])

    report = import_file(path, actor=personas.persona("township"))

    assert {(p.row, p.column) for p in report.problems} == {(1, "网格代码"), (1, "户编号")}
    assert report.rows == 0


# --- Scope -----------------------------------------------------------------------------------


def test_import_outside_scope_is_refused(tmp_path):
    path = write_csv(tmp_path / "a.csv", family())
    before = counts()

    # 吉首市's county centre may import, but not into 花垣县's grids.
    report = import_file(path, actor=personas.persona("outsider"), commit=True)
    assert {p.column for p in report.problems} == {"网格代码"}
    assert report.problem_count == 4 and not report.committed

    # A grid worker may not import at all; nor may a leader.
    for username in ("worker_a", "leader"):
        output, ok = run_import(path, username, commit=True)
        assert not ok and "may not import" in output

    assert counts() == before


def test_a_person_registered_elsewhere_is_not_taken_over(tmp_path):
    outsider = personas.persona("outsider")
    grid = Region.objects.get(code=personas.OTHER_GRID)
    household, _ = actions.create_household(actor=outsider, grid=grid, address="矮寨 8 号")
    actions.create_resident(actor=outsider, household=household, name="龙建国", id_number=LONG)
    before = counts()

    report = import_file(
        write_csv(tmp_path / "a.csv", family()), actor=personas.persona("township"), commit=True
    )

    assert [(p.row, p.column) for p in report.problems] == [(2, "身份证号码")]
    assert "范围以外" in report.problems[0].reason
    assert counts() == before
    assert Resident.objects.get(id_number=LONG).region_code == personas.OTHER_GRID


def test_a_csv_file_unreadable_from_a_row_on_lists_that_row_and_the_problems_before(tmp_path):
    rows = [
        dict(family()[0], 备注="第一行\n第二行"),  # row 2, lines 2-3 of the file
        dict(family()[1], 民族="火星族"),  # row 3 (line 4): a problem before
        family()[2],  # row 4 (line 5)
        person(household="0012", name="甲", relation="子", notes="UNCLOSED"),  # row 5 (line 6)
        person(household="0012", name="乙", relation="子", notes="长" * 140_000),  # row 6
    ]
    path = write_csv(tmp_path / "unclosed.csv", rows)
    # A quote opened and never closed: the rest of the file reads as one endless cell.
    path.write_bytes(path.read_bytes().replace(b"UNCLOSED", '"未闭合'.encode()))
    before = counts()

    report = import_file(path, actor=personas.persona("township"))

    assert [(problem.row, problem.column) for problem in report.problems] == [
        (3, "民族"),
        (5, "文件 file"),
    ]
    reason = report.problems[1].reason
    assert reason.startswith("从第 5 行（文件第 6 行）起无法读取：单元格超过 131072 个字符")
    assert "From row 5 (line 6 of the file) on, the file cannot be read" in reason
    assert "perhaps a quote that is never closed" in reason
    assert report.rows == 3  # rows 2-4 were read and checked
    assert report.created == 2  # (the good ones: what a file without the problems would do)

    for commit in (False, True):
        output, ok = run_import(path, commit=commit)
        assert not ok
        assert "第 3 行 row 3 · 民族 [火星族]" in output
        assert "第 5 行 row 5 · 文件 file: 从第 5 行（文件第 6 行）起无法读取" in output
        assert "nothing was saved" in output
    assert counts() == before


def test_a_clash_while_saving_saves_nothing(tmp_path, monkeypatch):
    """Someone registers one of the people while the file is being saved: the database's
    unique ID number stops the import, and the whole file is rolled back."""
    from django.db import IntegrityError

    from gridgov.registry import bulk

    calls = []

    def clash(self, payload):
        calls.append(self.table)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(bulk.Writer, "send", clash)
    before = counts()

    report = import_file(
        write_csv(tmp_path / "a.csv", family()), actor=personas.persona("township"), commit=True
    )

    assert calls[0] == "registry_resident" and not report.committed
    assert [p.column for p in report.problems] == ["文件 file"]
    assert counts() == before


def test_text_with_tabs_newlines_and_backslashes_arrives_intact(tmp_path):
    """Multi-line cells and backslashes survive the bulk path (COPY's text format escapes
    them on PostgreSQL)."""
    notes = "第一行\n第二行\t制表 C:\\路径\\ \\N 末尾"
    rows = [dict(family()[0], 备注=notes, 地址="梨子寨\\东头")]

    report, ok = run_import(write_xlsx(tmp_path / "text.xlsx", rows), commit=True)

    assert ok, report
    long = Resident.objects.get(id_number=LONG)
    assert long.notes == notes
    assert long.household.address == "梨子寨\\东头"
