"""`gridgov cases …`: supervision and the working-day calendar from the command line.

    gridgov cases sweep                 warn and card overdue events now (for cron)
    gridgov cases calendar [YEAR …]     add official holidays and make-up days that the
                                        calendar lacks (from the chinese-calendar package)

The sweep is safe to run while the huey worker runs it too: each change is claimed once.
"""

from django.core.management.base import BaseCommand

from gridgov.cases import actions, holidays, supervision


class Command(BaseCommand):
    help = "Supervision sweep and working-day calendar for events."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")
        subcommands.add_parser(
            "sweep",
            help="warn and card overdue events now",
            description="Apply early warnings and yellow/red cards to every event whose "
            "deadline has passed. Safe to run on several machines at once.",
        )
        calendar = subcommands.add_parser(
            "calendar",
            help="add official holidays and make-up working days",
            description="Add the days of the given years (default: every year the installed "
            "chinese-calendar package knows) that the calendar does not have yet. Days "
            "already present, perhaps edited, are kept.",
        )
        calendar.add_argument("years", nargs="*", type=int, help="e.g. 2026")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "sweep":
            self.stdout.write(str(supervision.apply_cards()))
        else:
            years = options["years"] or holidays.known_years()
            added = actions.import_official_calendar(actor=None, years=years)
            self.stdout.write(f"calendar: added {added} days ({years[0]}–{years[-1]})")
