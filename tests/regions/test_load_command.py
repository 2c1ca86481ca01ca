"""`gridgov regions load`: the official division codes, loaded idempotently and all or nothing."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gridgov.accounts.models import AuditEntry
from gridgov.regions.loader import XIANGXI_FILE
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db

HEADER = "code,name,level,kind,parent_code\n"
# A made-up prefecture 4390 with one county, one town, a village, a community, and a
# statistics-only forest farm with its virtual living area.
SMALL_AREA = HEADER + (
    "439000,示例自治州,2,prefecture,430000\n"
    "439001,示例市,3,county_city,439000\n"
    "439001100,示例镇,4,town,439001\n"
    "439001100201,示例村,5,village,439001100\n"
    "439001100001,示例社区,5,community,439001100\n"
    "439001400,示例林场,4,other,439001\n"
    "439001400598,示例林场虚拟生活区,5,other,439001400\n"
)


def load(*arguments) -> str:
    output = StringIO()
    call_command("regions", "load", *map(str, arguments), stdout=output)
    return output.getvalue()


def write(tmp_path: Path, text: str, name: str = "divisions.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_xiangxi_has_the_official_counts_and_loading_again_changes_nothing():
    audit_entries = AuditEntry.objects.count()

    output = load()  # no FILE: the shipped Xiangxi list

    assert "created 0, updated 0, unchanged 1920" in output
    for line in ("county: 8", "township: 115", "community: 249", "village: 1547"):
        assert line in output
    assert "skipped 2 statistics-only units" in output
    assert "军亭界林场 (433122400)" in output
    assert "军亭界林场虚拟生活区 (433122400598)" in output
    divisions = Region.objects.within("4331").exclude(level="grid")
    assert divisions.filter(level="county").count() == 8
    assert divisions.filter(level="township").count() == 115
    assert divisions.filter(level="village").count() == 1547
    assert divisions.filter(level="community").count() == 249
    assert not Region.objects.filter(code__in=["433122400", "433122400598"]).exists()
    assert Region.objects.get(code="433124110226").name == "十八洞村"
    assert AuditEntry.objects.count() == audit_entries


def test_one_county_can_be_reloaded_and_stays_in_its_prefecture():
    output = load(XIANGXI_FILE, "--within", "433124")

    assert "created 0, updated 0, unchanged 241" in output
    assert "township: 12" in output
    assert Region.objects.get(code="433124").parent.code == "4331"


def test_what_lies_under_a_statistics_only_unit_is_left_out_and_listed(tmp_path):
    # Real communities can sit under a development zone, which is not a township.
    text = SMALL_AREA + "439001400001,开发区社区,5,community,439001400\n"

    output = load(write(tmp_path, text), "--within", "4390")

    assert "created 5" in output
    assert "skipped 3 statistics-only units" in output
    assert "开发区社区 (439001400001, under 439001400)" in output
    assert not Region.objects.filter(code="439001400001").exists()


def test_a_new_area_is_created_once_then_left_alone(tmp_path):
    path = write(tmp_path, SMALL_AREA)

    first = load(path, "--within", "4390")
    second = load(path, "--within", "4390")

    assert "created 5, updated 0, unchanged 0" in first
    assert "skipped 2 statistics-only units" in first
    assert "created 0, updated 0, unchanged 5" in second
    village = Region.objects.get(code="439001100201")
    assert (village.level, village.parent.code, village.name_initials) == (
        "village",
        "439001100",
        "slc",
    )
    assert Region.objects.get(code="439001100001").level == "community"


def test_a_changed_name_is_updated(tmp_path):
    load(write(tmp_path, SMALL_AREA), "--within", "4390")
    renamed = SMALL_AREA.replace("示例村,", "新示例村,")

    output = load(write(tmp_path, renamed, "renamed.csv"), "--within", "4390")

    assert "created 0, updated 1, unchanged 4" in output
    assert Region.objects.get(code="439001100201").name == "新示例村"


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("43900110020X,坏村,5,village,439001100\n", "line 9"),
        ("439001100202,坏村,5,hamlet,439001100\n", "unknown kind 'hamlet'"),
        ("439001100202,坏村,x,village,439001100\n", "line 9"),
        ("439001999202,孤村,5,village,439001999\n", "its parent 439001999 is not in the file"),
    ],
)
def test_a_file_with_a_malformed_row_changes_nothing(tmp_path, bad_row, message):
    path = write(tmp_path, SMALL_AREA + bad_row)

    with pytest.raises(CommandError, match=message) as raised:
        load(path, "--within", "4390")

    assert "nothing changed" in str(raised.value)
    assert not Region.objects.within("4390").exists()


def test_a_malformed_row_leaves_existing_divisions_untouched(tmp_path):
    text = XIANGXI_FILE.read_text(encoding="utf-8").replace(",十八洞村,", ",改名村,")
    path = write(tmp_path, text + "433124110299,坏村,5,villa,433124110\r\n")

    with pytest.raises(CommandError, match="unknown kind 'villa'"):
        load(path, "--within", "4331")

    assert Region.objects.get(code="433124110226").name == "十八洞村"


def test_missing_columns_file_or_area_are_explained(tmp_path):
    with pytest.raises(CommandError, match="missing columns: kind, level"):
        load(write(tmp_path, "code,name,parent_code\n433101,吉首市,433100\n"), "--within", "4331")
    with pytest.raises(CommandError, match="File not found"):
        load(tmp_path / "nowhere.csv", "--within", "4331")
    with pytest.raises(CommandError, match="--within"):
        load(write(tmp_path, SMALL_AREA))
    with pytest.raises(CommandError, match="no divisions within '4391'"):
        load(write(tmp_path, SMALL_AREA), "--within", "4391")


def test_a_bad_file_exits_with_status_1_and_says_why(tmp_path):
    path = write(tmp_path, SMALL_AREA + "43900110020X,坏村,5,village,439001100\n")
    environment = os.environ | {"GRIDGOV_ENV": "test", "GRIDGOV_VAR_DIR": str(tmp_path)}
    environment.pop("GRIDGOV_DATABASE_URL", None)  # a scratch SQLite file: nothing to harm

    finished = subprocess.run(
        [sys.executable, "-m", "gridgov.cli", "regions", "load", str(path), "--within", "4390"],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )

    assert finished.returncode == 1
    assert "line 9" in finished.stderr
    assert "nothing changed" in finished.stderr
