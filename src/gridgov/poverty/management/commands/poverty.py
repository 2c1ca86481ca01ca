"""`gridgov poverty …`: poverty-relapse monitoring from the command line.

    gridgov poverty evaluate [--within CODE] [--year Y]
        run the risk rules now over the households they watch (also done nightly)

Running it again raises nothing new for the same causes.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gridgov.poverty import rules


class Command(BaseCommand):
    help = "Poverty-relapse monitoring: run the risk rules."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")
        evaluate = subcommands.add_parser(
            "evaluate",
            help="run the risk rules now",
            description="Raise a risk review for every new cause the rules find. Households "
            "looked at: those with income or a checklist for the year, an open monitoring "
            "record, a member tagged exited or monitored, or a linked hardship event.",
        )
        evaluate.add_argument("--within", default="", help="a region code, e.g. 433124")
        evaluate.add_argument("--year", type=int, default=None, help="default: this year")

    def handle(self, *args, subcommand: str, **options):
        within = options["within"].strip()
        if within and not within.isdigit():
            raise CommandError("--within 须为地区代码 --within must be a region code (digits).")
        year = options["year"] or timezone.localdate().year
        raised = rules.evaluate_all(year=year, within=within)
        self.stdout.write(f"poverty evaluate {year} {within or 'all'}: {raised} reviews raised")
