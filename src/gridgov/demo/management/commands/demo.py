"""`gridgov demo`: the Xiangxi demonstration data, and the table of demo logins.

gridgov demo [--scale S] [--seed N] [--within CODE]   load or complete the demo (idempotent)
gridgov demo --logins                                 print the demo logins and their password
"""

import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from gridgov.demo import generate, people


class _CommandOutput:
    """Lets rich write through the command's stdout (so call_command can capture it)
    without Django adding a line ending to every piece rich writes."""

    def __init__(self, output):
        self.output = output

    def write(self, text: str) -> int:
        self.output.write(text, ending="")
        return len(text)

    def flush(self) -> None:
        self.output.flush()

    def isatty(self) -> bool:
        return self.output.isatty()


# The demo's events send a few thousand notifications; their delivery log lines would bury
# the progress bars.
QUIET_LOGGERS = ("huey", "gridgov.cases.notifications")


@contextmanager
def _quiet(names=QUIET_LOGGERS):
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Load the Xiangxi demo: divisions, grids, synthetic boundaries, departments, logins, "
        "the register, events, visits."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=0.02,
            help="size of the register as a share of Xiangxi's population "
            "(1 = about 2.6 million residents in 850,000 households)",
        )
        parser.add_argument(
            "--within",
            default=generate.ROOT,
            help="fill the register, and place the events, only within this region code "
            "(default: the prefecture)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=generate.DEFAULT_SEED,
            help="random seed: the same seed always draws the same demo",
        )
        parser.add_argument(
            "--logins", action="store_true", help="only print the demo logins and exit"
        )

    def handle(self, *args, scale: float, seed: int, within: str, logins: bool, **options):
        if settings.GRIDGOV_ENV == "production":
            raise CommandError(
                "演示数据包含公开密码的账号，不能用于生产环境 The demo creates logins with a "
                "published password; run it with GRIDGOV_ENV=demo, never in production."
            )
        console = Console(file=_CommandOutput(self.stdout), highlight=False, soft_wrap=True)
        if logins:
            self.print_logins(console)
            return
        if not 0 < scale <= 1:
            raise CommandError("--scale must be more than 0 and at most 1")
        if not (within.isdigit() and within.startswith(generate.ROOT)):
            raise CommandError(f"--within must be a region code in Xiangxi ({generate.ROOT}…)")
        with _quiet():
            summary = self.generate(console, scale=scale, seed=seed, within=within)
        for line in summary.lines():
            console.print(line)

    def generate(
        self, console: Console, *, scale: float, seed: int, within: str
    ) -> generate.DemoSummary:
        summary = generate.DemoSummary(scale=scale, seed=seed)
        started = time.monotonic()
        columns = (
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("区划 divisions", total=1)
            summary.divisions = generate.load_xiangxi()
            progress.update(task, completed=1)

            task = progress.add_task("网格与边界 grids and boundaries", total=None)
            summary.grids_created, summary.boundaries_drawn = generate.add_grids_and_boundaries(
                seed=seed,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
            if progress.tasks[task].total is None:  # nothing was missing
                progress.update(task, total=1, completed=1)

            task = progress.add_task("职能部门 departments", total=1)
            summary.departments_created = generate.create_departments()
            progress.update(task, completed=1)

            task = progress.add_task("演示账号 logins", total=1)
            summary.logins_created = generate.create_logins()
            progress.update(task, completed=1)

            task = progress.add_task("户与人、地、物、组织 register", total=None)
            summary.register = generate.add_register(
                scale=scale,
                seed=seed,
                root=within,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
            if progress.tasks[task].total is None:  # every grid already had households
                progress.update(task, total=1, completed=1)

            task = progress.add_task("事件 events", total=None)
            summary.events = generate.add_events(
                scale=scale,
                seed=seed,
                root=within,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
            if progress.tasks[task].total is None:  # the demo had events already
                progress.update(task, total=1, completed=1)

            task = progress.add_task("走访与民情日志 visits and work log", total=None)
            summary.visits = generate.add_visits(
                scale=scale,
                seed=seed,
                root=within,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
            if progress.tasks[task].total is None:  # the demo had visits already
                progress.update(task, total=1, completed=1)
        console.print(f"took {time.monotonic() - started:.1f} s")
        return summary

    def print_logins(self, console: Console) -> None:
        rows = people.login_rows()
        if not rows:
            console.print(
                "没有演示账号，请先运行 gridgov demo No demo logins yet: run `gridgov demo`."
            )
            return
        table = Table(title="演示账号 Demo logins")
        for heading in ("用户名 username", "密码 password", "角色 role", "区划或部门 where"):
            table.add_column(heading)
        for row in rows:
            table.add_row(*row)
        console.print(table)
