"""Run every benchmark on PostgreSQL and write docs/benchmarks.md.

make bench

Two databases:
- GRIDGOV_BENCH_DATABASE_URL (default …/gridgov_bench) is dropped and created afresh each run
  and holds the demo's divisions, grids, departments and logins, without a register;
- GRIDGOV_BENCH_FULL_DATABASE_URL (default …/gridgov_bench_full) holds the whole prefecture's
  register (`gridgov demo --scale 1`: about 2.6 million residents, which takes a good many
  minutes to generate). It is kept between runs and generated only when it is missing or was
  made at another scale. GRIDGOV_BENCH_SCALE (default 1) makes a smaller one, for trying
  things out. The same database keeps ten million events (GRIDGOV_BENCH_EVENTS) for the
  worklist benchmark, added once.
"""

import os
import platform
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
BENCH_URL = os.environ.get("GRIDGOV_BENCH_DATABASE_URL", f"{SERVER}/gridgov_bench")
FULL_URL = os.environ.get("GRIDGOV_BENCH_FULL_DATABASE_URL", f"{SERVER}/gridgov_bench_full")
FULL_SCALE = float(os.environ.get("GRIDGOV_BENCH_SCALE", "1"))


def _admin_url(url: str) -> tuple[str, str]:
    return url.rsplit("/", 1)[0] + "/postgres", url.rsplit("/", 1)[1]


def _fresh_database(url: str) -> None:
    admin_url, name = _admin_url(url)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def _database_exists(url: str) -> bool:
    admin_url, name = _admin_url(url)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def _use_database(url: str) -> None:
    """Point Django's default connection at another database of the same server."""
    import dj_database_url
    from django.db import connections

    connections.close_all()
    parsed = dj_database_url.parse(url)
    connections["default"].settings_dict.update(
        {key: parsed[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")}
    )


def _register_entry():
    """The audit entry of the demo register's generation, if there was one."""
    from gridgov.accounts.models import AuditEntry

    return AuditEntry.objects.filter(action="demo.create_register").order_by("-id").first()


def _full_dataset() -> str:
    """Make sure the full database holds the register at FULL_SCALE; say what was done."""
    from django.core.management import call_command

    from gridgov.registry.models import Resident

    if _database_exists(FULL_URL):
        _use_database(FULL_URL)
        call_command("migrate", verbosity=0)
        entry = _register_entry()
        if entry is not None and entry.after.get("scale") == FULL_SCALE:
            return (
                f"generated on {entry.occurred_at:%Y-%m-%d} (the register step took "
                f"{entry.after.get('seconds', '?')} s) and reused "
                f"({Resident.objects.count():,} residents)"
            )
    _fresh_database(FULL_URL)
    _use_database(FULL_URL)
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    call_command("demo", scale=FULL_SCALE, verbosity=0)
    generated = time.monotonic() - started
    # Fresh statistics and visibility map: plans and index-only scans as in production.
    with psycopg.connect(FULL_URL, autocommit=True) as connection:
        for table in ("registry_resident", "registry_household", "registry_populationtag"):
            connection.execute(f'VACUUM ANALYZE "{table}"')
    return (
        f"generated in this run in {generated:.0f} s, the register step "
        f"{_register_entry().after.get('seconds', '?')} s ({Resident.objects.count():,} residents)"
    )


def _foundation_demo() -> None:
    """The demo without its register: divisions, grids, boundaries, departments, logins."""
    from gridgov.demo import generate

    generate.load_xiangxi()
    generate.add_grids_and_boundaries(seed=generate.DEFAULT_SEED)
    generate.create_departments()
    generate.create_logins()


def main() -> None:
    _fresh_database(BENCH_URL)
    os.environ["GRIDGOV_DATABASE_URL"] = BENCH_URL
    os.environ.setdefault("GRIDGOV_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the in-process test client in (ALLOWED_HOSTS)

    from bench import events, foundation, registry_import, registry_search
    from bench.harness import write_report

    call_command("migrate", verbosity=0)
    _foundation_demo()
    results = foundation.run()
    full = _full_dataset()
    # Searches before the imports: two million-row imports push the register's indexes out of
    # memory, where a running server keeps them.
    results += registry_search.run()
    _use_database(BENCH_URL)  # the imports start from this database's empty register
    results += registry_import.run()
    _use_database(FULL_URL)
    event_results, filled = events.run(FULL_URL)
    results += event_results
    context = (
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL at {BENCH_URL.rsplit('@', 1)[-1]}. The foundation rows use the Xiangxi "
        "demo tree (1,920 divisions and the demo grids with synthetic boundaries); the "
        f"registry rows use `{FULL_URL.rsplit('/', 1)[-1]}`, the demo register at scale "
        f"{FULL_SCALE:g}, {full}. The events rows use the same database with {filled}."
    )
    print(write_report(results, context, ROOT / "docs" / "benchmarks.md"))


if __name__ == "__main__":
    sys.exit(main())
