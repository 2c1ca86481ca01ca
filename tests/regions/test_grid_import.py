"""`gridgov regions grids FILE`: grids from CSV or GeoJSON, all or nothing, repeatable."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gridgov.accounts.models import AuditEntry
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db

VILLAGE = "433124110226"  # 十八洞村: grids 001 and 002 exist
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[109.60, 28.50], [109.61, 28.50], [109.61, 28.51], [109.60, 28.51], [109.60, 28.50]]
    ],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[109.60, 28.50], [109.61, 28.51], [109.61, 28.50], [109.60, 28.51], [109.60, 28.50]]
    ],
}


def import_grids(path: Path) -> str:
    output = StringIO()
    call_command("regions", "grids", str(path), stdout=output)
    return output.getvalue()


def csv_file(tmp_path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / "grids.csv"
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def geojson_file(tmp_path: Path, features: list[dict]) -> Path:
    path = tmp_path / "grids.geojson"
    document = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def feature(properties: dict, geometry: dict | None = SQUARE) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def csv_cell(geometry: dict) -> str:
    return '"' + json.dumps(geometry).replace('"', '""') + '"'


def test_csv_grids_are_created_once(tmp_path):
    path = csv_file(
        tmp_path,
        [
            "code,village_code,name,geometry",
            f"{VILLAGE}010,,十八洞村第十网格,{csv_cell(SQUARE)}",
            f",{VILLAGE},十八洞村梨子寨网格,",
            f"{VILLAGE}001,,十八洞村第一网格,",  # already there, unchanged
        ],
    )

    first = import_grids(path)
    audit_entries = AuditEntry.objects.count()
    second = import_grids(path)

    assert "created 2, updated 0, unchanged 1" in first
    assert "created 0, updated 0, unchanged 3" in second
    assert AuditEntry.objects.count() == audit_entries
    tenth = Region.objects.get(code=f"{VILLAGE}010")
    assert (tenth.name, tenth.parent.code, tenth.geometry) == ("十八洞村第十网格", VILLAGE, SQUARE)
    assert 28.50 < tenth.centroid_lat < 28.51
    # Without a code, the grid takes the next free number after the highest one.
    by_name = Region.objects.get(parent__code=VILLAGE, name="十八洞村梨子寨网格")
    assert by_name.code == f"{VILLAGE}011"
    assert by_name.name_initials == "sbdclzzwg"


def test_a_second_import_updates_a_renamed_grid(tmp_path):
    import_grids(csv_file(tmp_path, ["code,name", f"{VILLAGE}010,第十网格"]))

    output = import_grids(csv_file(tmp_path, ["code,name", f"{VILLAGE}010,十八洞村第十网格"]))

    assert "created 0, updated 1, unchanged 0" in output
    assert Region.objects.get(code=f"{VILLAGE}010").name == "十八洞村第十网格"


def test_a_spreadsheet_saved_as_gb18030_is_read(tmp_path):
    path = csv_file(tmp_path, ["code,name", f"{VILLAGE}012,十八洞村竹子寨网格"], "gb18030")

    assert "created 1" in import_grids(path)
    assert Region.objects.get(code=f"{VILLAGE}012").name == "十八洞村竹子寨网格"


def test_geojson_grids_are_created_once(tmp_path):
    path = geojson_file(
        tmp_path,
        [
            feature({"code": f"{VILLAGE}020", "name": "十八洞村第二十网格"}),
            feature({"village_code": "433101100001", "name": "新网格"}, geometry=None),
        ],
    )

    first = import_grids(path)
    second = import_grids(path)

    assert "created 2, updated 0, unchanged 0" in first
    assert "created 0, updated 0, unchanged 2" in second
    assert Region.objects.get(code=f"{VILLAGE}020").geometry == SQUARE
    assert Region.objects.filter(parent__code="433101100001", name="新网格").count() == 1


def test_a_bad_csv_reports_every_bad_row_and_saves_nothing(tmp_path):
    grids_before = Region.objects.filter(level="grid").count()
    path = csv_file(
        tmp_path,
        [
            "code,village_code,name,geometry",
            f"{VILLAGE}030,,好网格,",  # row 2: fine on its own
            "43312411022603,,短代码网格,",  # row 3: 14 digits
            f",{VILLAGE},,",  # row 4: no name
            ",433124110999,无此村网格,",  # row 5: no such village
            f"{VILLAGE}031,,自相交网格,{csv_cell(BOWTIE)}",  # row 6
            f"{VILLAGE}030,,重复网格,",  # row 7: repeats row 2
            f"{VILLAGE}032,,坏 JSON 网格,{{not json",  # row 8
            f"{VILLAGE}033,433124110225,错村网格,",  # row 9: code of another village
            "433124110033001,,乡镇下网格,",  # row 10: 433124110033 is no village
        ],
    )

    with pytest.raises(CommandError) as raised:
        import_grids(path)

    message = str(raised.value)
    assert "no grid was saved" in message
    expected = [
        ("row 3", "code", "must be 15 digits"),
        ("row 4", "name", "name is missing"),
        ("row 5", "village_code", "no village or community 433124110999"),
        ("row 6", "geometry", "crosses itself"),
        ("row 7", "code", "repeats 第 2 行 row 2"),
        ("row 8", "geometry", "Not valid JSON"),
        ("row 9", "code", "does not start with the village code"),
        ("row 10", "code", "no village or community 433124110033"),
    ]
    lines = message.splitlines()
    for where, field, reason in expected:
        assert any(
            where + " ·" in line and field + ":" in line and reason in line for line in lines
        ), (
            where,
            message,
        )
    assert "row 2 ·" not in message
    assert "8 problem(s)" in message
    assert "网格文件有 8 处错误" in message
    assert Region.objects.filter(level="grid").count() == grids_before


def test_a_bad_geojson_names_the_feature_and_saves_nothing(tmp_path):
    path = geojson_file(
        tmp_path,
        [
            feature({"code": f"{VILLAGE}040", "name": "好网格"}),
            feature(
                {"code": f"{VILLAGE}041", "name": "线网格"},
                {"type": "LineString", "coordinates": [[109.6, 28.5], [109.7, 28.6]]},
            ),
            feature({"name": "无代码网格"}),
        ],
    )

    with pytest.raises(CommandError) as raised:
        import_grids(path)

    message = str(raised.value)
    assert "features[1] · geometry:" in message
    assert "Polygon or MultiPolygon" in message
    assert "features[2] · code:" in message
    assert "features[0]" not in message
    assert not Region.objects.filter(code__in=[f"{VILLAGE}040", f"{VILLAGE}041"]).exists()


def test_files_that_are_not_grid_lists_are_refused(tmp_path):
    no_name_column = csv_file(tmp_path, ["code,title", f"{VILLAGE}050,某网格"])
    with pytest.raises(CommandError, match="name column is missing"):
        import_grids(no_name_column)

    not_a_collection = tmp_path / "one.geojson"
    not_a_collection.write_text(json.dumps(SQUARE), encoding="utf-8")
    with pytest.raises(CommandError, match="FeatureCollection"):
        import_grids(not_a_collection)

    with pytest.raises(CommandError, match="holds no grids"):
        import_grids(csv_file(tmp_path, ["code,name"]))

    with pytest.raises(CommandError, match="File not found"):
        import_grids(tmp_path / "missing.csv")
