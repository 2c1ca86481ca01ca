"""The register's bulk import, against writing the same rows with no checks at all.

- PostgreSQL: `gridgov registry import`'s code path (read the CSV, check every cell, match
  households and people, write with COPY) for GRIDGOV_BENCH_IMPORT_ROWS generated
  residents (default 1,000,000), against a raw COPY of the same residents, already in their
  stored form, into the same table, in the same run. Target: the import reaches at least
  30 % of COPY's rate.
- SQLite: the same import into a fresh SQLite database (a child process, since a process
  has one database), against one prepared INSERT run for the same rows. Target: at least
  20,000 rows/s.

Both sides run inside a transaction that is rolled back, so each starts from the same table.

    python -m bench.registry_import            both, printed (GRIDGOV_DATABASE_URL: PostgreSQL)
    python -m bench.registry_import --sqlite   this database's figures alone, as JSON (the child)
"""

import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.harness import Result

ROWS = int(os.environ.get("GRIDGOV_BENCH_IMPORT_ROWS", "1000000"))
SEED = 20240517
BENCH_USER = "bench_importer"
RUN_CPU: dict[str, float] = {}  # CPU seconds per side: this process's, and its children's
# (a large import checks its rows in a child process); the database server's not included

# Surnames common in Xiangxi (Tujia and Miao families among them) and given-name characters.
SURNAMES = [
    "龙",
    "石",
    "麻",
    "吴",
    "杨",
    "田",
    "彭",
    "向",
    "张",
    "王",
    "李",
    "刘",
    "陈",
    "黄",
    "周",
    "胡",
    "唐",
    "覃",
    "符",
    "滕",
    "宋",
    "舒",
    "邓",
    "秦",
    "黎",
    "施",
    "隆",
    "梁",
    "贾",
    "瞿",
    "姚",
    "欧",
    "鲁",
    "粟",
    "侯",
]
GIVEN = [
    "建",
    "国",
    "秀",
    "英",
    "清",
    "华",
    "海",
    "燕",
    "志",
    "强",
    "立",
    "新",
    "东",
    "明",
    "小",
    "军",
    "红",
    "梅",
    "玉",
    "兰",
    "金",
    "花",
    "春",
    "生",
    "文",
    "武",
    "平",
    "安",
    "福",
    "贵",
    "成",
    "富",
    "德",
    "光",
    "荣",
    "桂",
    "芳",
    "丽",
    "娟",
    "伟",
    "勇",
    "杰",
    "涛",
    "斌",
    "林",
    "云",
    "霞",
    "琴",
    "凤",
    "翠",
    "珍",
    "银",
    "山",
    "水",
    "友",
    "才",
    "宏",
    "俊",
    "慧",
    "敏",
    "静",
    "婷",
    "雪",
    "莲",
    "菊",
    "荷",
    "松",
    "柏",
    "峰",
    "波",
    "辉",
    "鹏",
    "飞",
    "龙",
    "虎",
    "豹",
    "鑫",
    "磊",
    "森",
    "淼",
    "晶",
    "亮",
    "超",
    "洋",
    "阳",
]
PHONE_BLOCKS = ("138", "139", "150", "151", "158", "159", "187", "188", "136", "177", "199")
TAGS = ("脱贫户", "低保对象", "残疾人", "留守老人", "留守儿童", "独居老人", "退役军人", "监测户")


# --- A township's file, generated ------------------------------------------------------------


def generate(grids: list[str], rows: int, seed: int = SEED) -> list[list[str]]:
    """`rows` residents in households of one to six people spread over `grids`, with valid
    ID numbers for their county, as a township office would list them."""
    from gridgov.registry import idnumbers

    rng = random.Random(seed)
    today = date(2024, 6, 1)
    used: set[tuple[str, date, int]] = set()
    household_numbers: dict[str, int] = {}
    result: list[list[str]] = []

    def identity(county: str, born: date, male: bool) -> str:
        while True:
            serial = rng.randrange(1000)
            serial = serial | 1 if male else serial & ~1
            if (county, born, serial) not in used:
                used.add((county, born, serial))
                return idnumbers.make(county, born, serial)

    def name(surname: str) -> str:
        return surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))

    while len(result) < rows:
        grid = rng.choice(grids)
        county = grid[:6]
        number = household_numbers[grid] = household_numbers.get(grid, 0) + 1
        surname = rng.choice(SURNAMES)
        head_age = rng.randint(24, 85)
        members = [("户主", head_age, True, surname)]
        if rng.random() < 0.85:
            members.append(("配偶", head_age + rng.randint(-5, 3), False, rng.choice(SURNAMES)))
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            age = head_age - rng.randint(20, 34)
            if age >= 0:
                male = rng.random() < 0.52
                members.append(("儿子" if male else "女儿", age, male, surname))
        ethnicity = rng.choices(("土家族", "苗族", "汉族"), weights=(45, 35, 20))[0]
        safety = rng.choice("AAAABBC")
        address, door = f"第{rng.randint(1, 12)}组", f"{rng.randint(1, 120)}号"
        for relation, age, male, family in members:
            born = today - timedelta(days=age * 365 + rng.randint(0, 364))
            adult = age >= 18
            away = adult and age < 55 and rng.random() < 0.35
            result.append(
                [
                    grid,
                    f"{number:04d}",
                    address,
                    door,
                    "户籍户",
                    safety,
                    name(family),
                    identity(county, born, male),
                    "男" if male else "女",
                    born.isoformat(),
                    ethnicity,
                    rng.choice(PHONE_BLOCKS) + f"{rng.randrange(10**8):08d}" if adult else "",
                    relation,
                    "外出务工" if away else "在家居住",
                    rng.choice(("小学", "初中", "初中", "高中", "大专")) if age >= 16 else "",
                    "城乡居民医保",
                    "",
                    rng.choice(TAGS) if rng.random() < 0.08 else "",
                    "",
                ]
            )
    return result[:rows]


def write_file(path: Path, rows: list[list[str]]) -> None:
    from gridgov.registry.columns import COLUMNS

    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([column.header for column in COLUMNS])
        writer.writerows(rows)


# --- The baseline: the same residents, already in stored form, written raw ----------------


def stored_residents(rows: list[list[str]]) -> tuple[list[str], list[tuple]]:
    """The resident rows as the import would store them, without their checks (precomputed
    outside the timing): columns and tuples for COPY or INSERT."""
    import uuid

    from django.db import connection

    from gridgov.regions.models import Region
    from gridgov.regions.pinyin import pinyin_keys
    from gridgov.registry.bulk import stored_now
    from gridgov.registry.columns import CODED_WORDS
    from gridgov.registry.imports import RESIDENT_COLUMNS

    grids = dict(Region.objects.filter(level="grid").values_list("code", "id"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM registry_resident")
        next_id = cursor.fetchone()[0] + 1
    now = stored_now()
    keys: dict[str, tuple[str, str]] = {}
    columns = list(RESIDENT_COLUMNS)
    stored = []
    for offset, row in enumerate(rows):
        name = row[6]
        if name not in keys:
            keys[name] = pinyin_keys(name)
        stored.append(
            (
                next_id + offset,
                uuid.uuid4().hex,
                grids[row[0]],
                row[0],
                1,
                now,
                now,
                None,  # no household: the baseline writes one table
                name,
                *keys[name],
                row[7],
                row[7][-6:],
                row[9],
                CODED_WORDS["sex"][row[8]],
                CODED_WORDS["ethnicity"][row[10]],
                row[11],
                CODED_WORDS["relation_to_head"][row[12]],
                CODED_WORDS["residence_status"][row[13]],
                None,
                CODED_WORDS["education"].get(row[14], ""),
                CODED_WORDS["health_insurance"][row[15]],
                "",
                "",
            )
        )
    return columns, stored


def _check_deferred() -> None:
    """Run the foreign-key checks PostgreSQL defers to COMMIT now, inside the timing: both
    sides are rolled back (the table stays as it was) but must pay what a commit pays."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def raw_write(columns: list[str], stored: list[tuple]) -> float:
    """Seconds to write `stored` into registry_resident with no checks, rolled back after."""
    from django.db import connection, transaction

    from gridgov.registry.bulk import roomy_cache

    names = ", ".join(columns)
    with roomy_cache(), transaction.atomic():  # the import's connection settings
        started, cpu = time.perf_counter(), time.process_time()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY registry_resident ({names}) FROM STDIN") as copy:
                    for row in stored:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO registry_resident ({names}) VALUES ({marks})", stored
                )
        _check_deferred()
        seconds = time.perf_counter() - started
        RUN_CPU["raw"] = time.process_time() - cpu
        transaction.set_rollback(True)
    return seconds


def timed_import(path: Path) -> tuple[float, object]:
    """Seconds for the real import (checks, matching, writing), rolled back after."""
    from django.db import transaction

    from gridgov.accounts.models import User
    from gridgov.regions.pinyin import pinyin_keys
    from gridgov.registry.imports import import_file

    actor = User.objects.get(username=BENCH_USER)
    # The baseline's rows were prepared in this process: start the import with a cold cache
    # of name → pinyin, as a real import does.
    pinyin_keys.cache_clear()
    with transaction.atomic():
        started, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
        report = import_file(path, actor=actor, commit=True)
        _check_deferred()
        seconds = time.perf_counter() - started
        RUN_CPU["import"] = time.process_time() - cpu
        RUN_CPU["import_children"] = _children_cpu() - children
        transaction.set_rollback(True)
    if not report.ok:
        raise RuntimeError(
            "the generated file has problems:\n" + "\n".join(map(str, report.problems[:20]))
        )
    return seconds, report


def _children_cpu() -> float:
    """CPU seconds of this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _bench_user() -> None:
    from gridgov.accounts import actions
    from gridgov.accounts.models import User
    from gridgov.accounts.roles import Role
    from gridgov.regions.models import Region

    if not User.objects.filter(username=BENCH_USER).exists():
        user = actions.create_user(
            actor=None, username=BENCH_USER, password=None, full_name="导入基准"
        )
        actions.assign_role(
            actor=None, user=user, role=Role.ADMINISTRATOR, region=Region.objects.get(code="4331")
        )


def _vacuum() -> None:
    """Both sides start from the same table: without the dead rows a rolled-back run left."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE registry_resident, registry_household, registry_populationtag"
            )


def measure(rows: int) -> dict:
    """Both timings in this process's database."""
    from gridgov.regions.models import Region

    _bench_user()
    grids = list(Region.objects.filter(level="grid").within("4331").values_list("code", flat=True))
    generated = generate(grids, rows)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "register.csv"
        write_file(path, generated)
        columns, stored = stored_residents(generated)
        _vacuum()
        raw_seconds = raw_write(columns, stored)
        del stored
        _vacuum()
        import_seconds, report = timed_import(path)
    return {
        "rows": rows,
        "import_seconds": import_seconds,
        "raw_seconds": raw_seconds,
        "households": report.households_created,
        "tags": report.tags_added,
        "grids": len(grids),
        "import_cpu_seconds": RUN_CPU["import"],
        "import_child_cpu_seconds": RUN_CPU["import_children"],
        "raw_cpu_seconds": RUN_CPU["raw"],
    }


def _sqlite_child(rows: int) -> dict:
    """Run `measure` in a fresh SQLite database in a child process."""
    with tempfile.TemporaryDirectory() as directory:
        environment = {
            key: value for key, value in os.environ.items() if key != "GRIDGOV_DATABASE_URL"
        }
        environment.update(GRIDGOV_ENV="test", GRIDGOV_VAR_DIR=directory)
        completed = subprocess.run(
            [sys.executable, "-m", "bench.registry_import", "--sqlite", str(rows)],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent.parent,
        )
        if completed.returncode != 0:
            raise RuntimeError(completed.stderr[-3000:])
        return json.loads(completed.stdout.strip().splitlines()[-1])


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s"


def run() -> list[Result]:
    """For bench/__main__.py: PostgreSQL (this process) and SQLite (a child process)."""
    postgres = measure(ROWS)
    sqlite = _sqlite_child(ROWS)
    results = []
    for label, figures, baseline, target in (
        ("PostgreSQL", postgres, "raw COPY of the same resident rows", "≥ 30 % of COPY"),
        ("SQLite", sqlite, "raw executemany INSERT, same rows", "≥ 20,000 rows/s"),
    ):
        rows = figures["rows"]
        share = figures["raw_seconds"] / figures["import_seconds"]
        results.append(
            Result(
                name=f"import {rows:,} residents from CSV, checks included ({label})",
                subject_ms=[figures["import_seconds"] * 1000],
                baseline_name=baseline,
                baseline_ms=[figures["raw_seconds"] * 1000],
                note=(
                    f"import {_rate(rows, figures['import_seconds'])} "
                    f"(+{figures['households']:,} households, {figures['tags']:,} tags); "
                    f"raw {_rate(rows, figures['raw_seconds'])}; import = {share:.0%} of raw; "
                    f"import CPU {figures['import_cpu_seconds']:.0f} s (this process) + "
                    f"{figures['import_child_cpu_seconds']:.0f} s (checking process); "
                    f"target {target}"
                ),
            )
        )
    return results


def _prepare_database() -> None:
    """Migrate, and give a database without grids the Xiangxi divisions and demo grids."""
    from django.core.management import call_command

    from gridgov.demo import generate as demo
    from gridgov.regions.loader import XIANGXI_FILE, load_divisions
    from gridgov.regions.models import Region

    call_command("migrate", verbosity=0)
    if not Region.objects.filter(level="grid").exists():
        load_divisions(XIANGXI_FILE, within="4331")
        demo.add_grids_and_boundaries(seed=demo.DEFAULT_SEED)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    os.environ.setdefault("GRIDGOV_ENV", "test")
    import django

    django.setup()
    _prepare_database()
    if sys.argv[1:2] == ["--sqlite"]:
        rows = int(sys.argv[2]) if len(sys.argv) > 2 else ROWS
        print(json.dumps(measure(rows)))
        return
    for result in run():
        print(result.name)
        print("  ", result.note)


if __name__ == "__main__":
    main()
