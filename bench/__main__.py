"""Run every benchmark against a PostgreSQL database of its own and write docs/benchmarks.md.

make bench        (GRIDGOV_BENCH_DATABASE_URL overrides the database)
"""

import os
import platform
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH_URL = os.environ.get(
    "GRIDGOV_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gridgov_bench"
)


def _fresh_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    _fresh_database(BENCH_URL)
    os.environ["GRIDGOV_DATABASE_URL"] = BENCH_URL
    os.environ.setdefault("GRIDGOV_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench import foundation
    from bench.harness import write_report

    call_command("migrate", verbosity=0)
    call_command("demo", verbosity=0)
    results = foundation.run()
    context = (
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL at {BENCH_URL.rsplit('@', 1)[-1]}; Xiangxi demo tree (1,920 divisions "
        "and the demo grids with synthetic boundaries)."
    )
    print(write_report(results, context, ROOT / "docs" / "benchmarks.md"))


if __name__ == "__main__":
    sys.exit(main())
