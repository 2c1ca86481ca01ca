"""`gridgov regions …`: load division codes, import grids, find the grid at a point.

    gridgov regions load [FILE] [--within CODE]   official division codes (NBS CSV format)
    gridgov regions grids FILE                    grids from CSV or GeoJSON, all or nothing
    gridgov regions locate LAT LON                the grid containing a point

Each ends with exit code 1 and a message on standard error when it cannot do its work;
a failed load or import has changed nothing.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gridgov.regions import geometry
from gridgov.regions.grid_import import GridFileError, import_grids
from gridgov.regions.loader import XIANGXI_FILE, DivisionFileError, load_divisions
from gridgov.regions.models import Region

XIANGXI_CODE = "4331"


class Command(BaseCommand):
    help = "Load division codes, import grids, or find the grid containing a point."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")

        load = subcommands.add_parser(
            "load",
            help="load official division codes (CSV: code,name,level,kind,parent_code)",
            description="Create or update the divisions of FILE that lie within --within. "
            "Without FILE, the shipped Xiangxi list (NBS 2023) is loaded.",
        )
        load.add_argument("file", nargs="?", type=Path, help="division CSV file")
        load.add_argument(
            "--within",
            help=f"code of the area to load, e.g. {XIANGXI_CODE} (needed with FILE)",
        )

        grids = subcommands.add_parser(
            "grids",
            help="import grids from a CSV or GeoJSON file",
            description="CSV columns: code (15 digits) or village_code (12 digits), name, "
            "optional geometry (GeoJSON text). GeoJSON: a FeatureCollection with the same "
            "properties. Nothing is saved unless every row is valid.",
        )
        grids.add_argument("file", type=Path, help="grid CSV or GeoJSON file")

        locate = subcommands.add_parser("locate", help="the grid containing a point (WGS 84)")
        locate.add_argument("lat", type=float, help="latitude, e.g. 28.31")
        locate.add_argument("lon", type=float, help="longitude, e.g. 109.73")

    def handle(self, *args, subcommand: str, **options):
        handler = {"load": self.load, "grids": self.grids, "locate": self.locate}[subcommand]
        handler(**options)

    def load(self, *, file: Path | None, within: str | None, **options):
        if file is None:
            file, within = XIANGXI_FILE, within or XIANGXI_CODE
        elif not within:
            raise CommandError(
                "请用 --within 指定要导入的区划 Say which area to load with --within, "
                f"e.g. --within {XIANGXI_CODE}"
            )
        _require_file(file)
        try:
            summary = load_divisions(file, within=within)
        except (DivisionFileError, ValidationError) as error:
            raise CommandError(
                f"区划文件有误，未做任何更改 The division file was not loaded, nothing changed: "
                f"{_message(error)}"
            ) from error
        for line in summary.lines():
            self.stdout.write(line)

    def grids(self, *, file: Path, **options):
        _require_file(file)
        try:
            summary = import_grids(file, actor=None)
        except GridFileError as error:
            raise CommandError(
                f"网格文件有 {len(error.problems)} 处错误，未保存任何网格 "
                f"The grid file has {len(error.problems)} problem(s); no grid was saved:\n"
                + "\n".join(f"  {problem}" for problem in error.problems)
            ) from error
        for line in summary.lines():
            self.stdout.write(line)

    def locate(self, *, lat: float, lon: float, **options):
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise CommandError("纬度或经度超出范围 Latitude or longitude out of range.")
        code = geometry.locate(lat, lon)
        if code is None:
            raise CommandError(
                f"({lat}, {lon}) 不在任何已有边界的网格或村内 "
                "is not inside any grid or village with a boundary."
            )
        region = Region.objects.get(code=code)
        path = " / ".join(ancestor.name for ancestor in region.ancestors())
        self.stdout.write(f"{region.code} {region.name}")
        self.stdout.write(f"  {path}")


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise CommandError(f"找不到文件 File not found: {path}")


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)
