"""`gridgov visits …`: visit plans from the command line.

    gridgov visits plans [--within CODE]   bring every household's visit plan up to date
                                           (after tags or visit norms changed; for cron)

The huey worker runs the same refresh every night.
"""

from django.core.management.base import BaseCommand

from gridgov.visits import plans


class Command(BaseCommand):
    help = "Visit plans: recompute intervals and due dates from tags and norms."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")
        refresh = subcommands.add_parser(
            "plans",
            help="bring every household's visit plan up to date",
            description="Recompute each household's visit interval from its members' tags, "
            "its housing rating and the norms, and its next due date from its last visit.",
        )
        refresh.add_argument("--within", default="", help="only households within this code")

    def handle(self, *args, subcommand: str, **options):
        touched = plans.refresh_all(within=options["within"])
        self.stdout.write(f"visit plans: {touched} created or changed")
