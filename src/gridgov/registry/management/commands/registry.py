"""`gridgov registry …`: bulk import and export of the register.

    gridgov registry import FILE --as USERNAME [--commit]
        check a CSV or XLSX file (a dry run) and, with --commit, save it all or nothing
    gridgov registry export --as USERNAME --within CODE [--format xlsx|csv] --reason TEXT OUTPUT
        request an export; when no approval is needed, write it to OUTPUT at once
    gridgov registry export --as USERNAME --request UUID OUTPUT
        download an export request once it has been approved

Every step runs as USERNAME, with that person's permissions and scope, and is audited as
theirs. Exit code 1 (with the report) when a file has problems or a step is refused.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gridgov.accounts.models import User
from gridgov.registry import exports
from gridgov.registry.actions import PermissionDenied
from gridgov.registry.choices import ExportKind, ExportStatus, ResidenceStatus, Tag
from gridgov.registry.imports import import_file


class Command(BaseCommand):
    help = "Import the register from a CSV/XLSX file, or export part of it."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")

        importing = subcommands.add_parser(
            "import",
            help="check (dry run) or, with --commit, import a CSV or XLSX file",
            description="Columns (Chinese headers): 网格代码, 户编号, 地址, 门牌号, 户别, "
            "住房安全等级, 姓名, 身份证号码, 性别, 出生日期, 民族, 联系电话, 与户主关系, "
            "居住状态, 文化程度, 医疗保险, 残疾等级, 人群标签, 备注. Without --commit "
            "nothing is saved; with it, nothing is saved unless every row is good.",
        )
        importing.add_argument("file", type=Path, help="CSV (UTF-8 or GB18030) or XLSX file")
        importing.add_argument("--as", dest="username", required=True, help="who imports")
        importing.add_argument("--commit", action="store_true", help="save the rows")

        exporting = subcommands.add_parser(
            "export",
            help="export residents or households to XLSX or CSV",
            description="Masked unless --clear (which needs the reveal permission and "
            "approval). Larger exports than GRIDGOV_EXPORT_APPROVAL_ROWS wait for approval "
            "by someone else; then run again with --request.",
        )
        exporting.add_argument("output", type=Path, help="the file to write")
        exporting.add_argument("--as", dest="username", required=True, help="who exports")
        exporting.add_argument("--within", help="region code: export records within it")
        exporting.add_argument(
            "--kind", choices=ExportKind.values, default=ExportKind.RESIDENTS.value
        )
        exporting.add_argument("--format", dest="file_format", choices=("xlsx", "csv"))
        exporting.add_argument("--reason", default="", help="why the export is needed")
        exporting.add_argument("--clear", action="store_true", help="unmasked (needs approval)")
        exporting.add_argument("--tag", choices=Tag.values, help="residents with this tag")
        exporting.add_argument(
            "--status", choices=ResidenceStatus.values, help="residents in this status"
        )
        exporting.add_argument("--request", help="download this approved request (its UUID)")

    def handle(self, *args, subcommand: str, **options):
        actor = _user(options.pop("username"))
        {"import": self.import_file, "export": self.export}[subcommand](actor, **options)

    # --- import

    def import_file(self, actor, *, file: Path, commit: bool, **options):
        if not file.is_file():
            raise CommandError(f"找不到文件 File not found: {file}")
        console = Console(stderr=True)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("导入 importing" if commit else "检查 checking", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=max(total, done))

            report = import_file(file, actor=actor, commit=commit, progress=advance)
        for line in report.summary_lines():
            self.stdout.write(line)
        for problem in report.problems:
            self.stdout.write(f"  {problem}")
        if report.problem_count > len(report.problems):
            self.stdout.write(f"  … {report.problem_count - len(report.problems)} more")
        if not report.ok:
            raise CommandError(
                f"文件有 {report.problem_count} 处错误，未保存任何数据 "
                f"The file has {report.problem_count} problem(s); nothing was saved."
            )
        if not commit:
            self.stdout.write("试导入无误；加上 --commit 保存 No problems: add --commit to save.")

    # --- export

    def export(self, actor, *, output: Path, request: str | None, **options):
        try:
            if request:
                export = exports.access_export(actor, request)
            else:
                export = self._request(actor, output=output, **options)
            if export.status == ExportStatus.PENDING:
                if request:
                    raise CommandError(
                        f"导出申请 {export.uuid} 尚未审批 The export request {export.uuid} "
                        "has not been approved yet."
                    )
                self.stdout.write(
                    f"导出申请 {export.uuid} 共 {export.row_count} 条，待审批 "
                    f"Export request {export.uuid} ({export.row_count} rows) awaits approval. "
                    f"Once approved: gridgov registry export --as {actor.username} "
                    f"--request {export.uuid} {output}"
                )
                return
            exported = exports.download_export(actor=actor, export=export)
            with output.open("wb") as stream:
                exported.write_to(stream)
        except (PermissionDenied, ValidationError, Http404, exports.ExportUnavailable) as error:
            raise CommandError(_message(error)) from error
        self.stdout.write(
            f"已导出 exported {export.row_count} 条 rows → {output}"
            + ("" if export.clear else "（已脱敏 masked）")
        )

    def _request(self, actor, *, output: Path, within, kind, file_format, reason, clear, **opts):
        if not within:
            raise CommandError("请用 --within 指定导出范围 Say which region with --within.")
        file_format = file_format or ("csv" if output.suffix.lower() == ".csv" else "xlsx")
        filters = {
            key: value
            for key, value in (("tag", opts.get("tag")), ("residence_status", opts.get("status")))
            if value
        }
        return exports.request_export(
            actor=actor,
            kind=kind,
            region_code=within,
            file_format=file_format,
            filters=filters,
            clear=clear,
            reason=reason,
        )


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"没有可用的用户 {username} No active user {username!r}.")
    return user


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            )
        return " ".join(error.messages)
    if isinstance(error, Http404):
        return "未找到 Not found."
    if isinstance(error, PermissionDenied):
        return str(error) or "无权限 You may not do this."
    return str(error)
