"""Events: intake over HTTP against the floor of any write, and a township's worklist in a
table of ten million events.

- Intake: gunicorn with 2 workers serves the real app and, in the same process, a bare
  Django endpoint that only INSERTs one event row. 16 client threads post for a fixed time to
  each in turn; each thread is a grid worker with their own token reporting in their own
  grid, and the request is the field app's: token auth, full validation, the point located
  in its grid, deadlines from the rules, timeline step, audit entry, notifications,
  duplicate search, and the event returned. The rows both made are deleted afterwards.
- Worklist: the events table is filled to 10 million rows (most closed, as after years of
  use; the open ones spread over every grid and level) and the township centre's worklist is
  read through the API; the baseline is the raw SQL of its main bucket with psycopg.
"""

import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path

import psycopg
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from shapely import from_geojson, points

from bench.harness import Result, timed

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765
CLIENTS = 16
SECONDS = float(os.environ.get("GRIDGOV_BENCH_HTTP_SECONDS", "15"))
TARGET_EVENTS = int(os.environ.get("GRIDGOV_BENCH_EVENTS", "10000000"))
OPEN_SHARE = 0.004  # of all events, still open


# --- Intake over HTTP --------------------------------------------------------------------------


def _token_for(username: str) -> str:
    from gridgov.accounts import actions
    from gridgov.accounts.models import User

    _token, raw = actions.issue_token(actor=User.objects.get(username=username), name="bench")
    return raw


def _points_in(code: str, count: int) -> list[tuple[float, float]]:
    from gridgov.regions.models import Region

    grid = Region.objects.get(code=code)
    shape = from_geojson(json.dumps(grid.geometry))
    west, south, east, north = shape.bounds
    random.seed(11)
    found = []
    while len(found) < count:
        lon, lat = random.uniform(west, east), random.uniform(south, north)
        if shape.contains(points(lon, lat)):
            found.append((lat, lon))
    return found


def _serve(database_url: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "GRIDGOV_ENV": "demo",
        "GRIDGOV_HTTPS": "false",
        "GRIDGOV_DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.server_settings",
        "PYTHONPATH": str(ROOT),
    }
    environment.pop("GRIDGOV_REDIS_URL", None)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "bench.server:application",
            "--workers=2",
            f"--bind=127.0.0.1:{PORT}",
            "--log-level=warning",
            "--backlog=256",
        ],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            probe = HTTPConnection("127.0.0.1", PORT, timeout=1)
            probe.request("GET", "/api/events/categories")
            if probe.getresponse().status == 401:  # up, and asking who is there
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def _load(path: str, make_body, headers_for, seconds: float) -> tuple[list[float], float]:
    """CLIENTS threads posting for `seconds`; (latencies in ms, requests per second)."""
    latencies: queue.SimpleQueue = queue.SimpleQueue()
    errors: list[str] = []
    stop_at = time.perf_counter() + seconds

    def client(index: int) -> None:
        sent = 0
        while time.perf_counter() < stop_at:
            body = json.dumps(make_body(index, sent))
            started = time.perf_counter()
            http = HTTPConnection("127.0.0.1", PORT, timeout=30)
            headers = {"Content-Type": "application/json", **headers_for(index)}
            http.request("POST", path, body, headers)
            response = http.getresponse()
            response.read()
            http.close()
            latencies.put((time.perf_counter() - started) * 1000)
            if response.status not in (200, 201):
                errors.append(f"{response.status}")
            sent += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    samples = []
    while not latencies.empty():
        samples.append(latencies.get())
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    return samples, len(samples) / elapsed


BENCH_WORKER = "bench_worker_{:02d}"
REPORT_TITLE = "道路塌方阻断通行"


def _workers_and_spots(count: int) -> list[tuple[str, list[tuple[float, float]]]]:
    """One grid worker per client, each in a grid of their own spread over the prefecture
    (as sixteen workers reporting at once are): (token, points inside their grid)."""
    from gridgov.accounts import actions
    from gridgov.accounts.models import User
    from gridgov.accounts.roles import Role
    from gridgov.regions.models import Region

    grids = list(
        Region.objects.filter(level="grid", geometry__isnull=False)
        .order_by("code")
        .values_list("code", flat=True)
    )
    chosen = grids[:: max(len(grids) // count, 1)][:count]
    workers = []
    for number, code in enumerate(chosen):
        username = BENCH_WORKER.format(number)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = actions.create_user(actor=None, username=username, password=uuid.uuid4().hex)
            actions.assign_role(
                actor=None, user=user, role=Role.GRID_WORKER, region=Region.objects.get(code=code)
            )
        workers.append((_token_for(username), _points_in(code, 100)))
    return workers


def _remove_bench_rows() -> None:
    """The events this benchmark reported and inserted go again (with their steps and
    notifications), so every run starts from the same table; their audit entries stay, as
    the audit log is append-only."""
    from django.db.models import Q

    from gridgov.cases.models import Event

    Event.objects.filter(
        Q(title="bare") | Q(title=REPORT_TITLE, reporter__username__startswith="bench_worker_")
    ).delete()


def intake(database_url: str) -> Result:
    workers = _workers_and_spots(CLIENTS)

    def report_body(client: int, sent: int) -> dict:
        spots = workers[client][1]
        latitude, longitude = spots[(sent * 7919) % len(spots)]
        return {
            "uuid": str(uuid.uuid4()),
            "title": REPORT_TITLE,
            "category": random.choice(["safety.road", "dispute.neighbour", "environment.garbage"]),
            "description": "雨后村道塌方约三米，车辆无法通行",
            "urgency": "medium",
            "latitude": latitude,
            "longitude": longitude,
        }

    def authorised(client: int) -> dict:
        return {"Authorization": f"Bearer {workers[client][0]}"}

    server = _serve(database_url)
    try:
        _load("/api/events/", report_body, authorised, 2)  # warm both workers
        _load("/bench/bare-insert", lambda c, s: {}, lambda c: {}, 2)
        bare_ms, bare_rate = _load("/bench/bare-insert", lambda c, s: {}, lambda c: {}, SECONDS)
        intake_ms, intake_rate = _load("/api/events/", report_body, authorised, SECONDS)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        _remove_bench_rows()
    p99 = Result._p(intake_ms, 0.99)
    return Result(
        name=f"report an event over HTTP, gunicorn 2 workers, {CLIENTS} clients",
        subject_ms=intake_ms,
        baseline_name="bare Django endpoint inserting one event row",
        baseline_ms=bare_ms,
        note=(
            f"throughput {intake_rate:.0f}/s vs {bare_rate:.0f}/s = "
            f"{100 * intake_rate / bare_rate:.0f} % of the floor (target ≥ 35 %); "
            f"p99 {p99:.0f} ms (target < 100 ms; the bare endpoint's own p99 "
            f"{Result._p(bare_ms, 0.99):.0f} ms); {CLIENTS} grid workers in {CLIENTS} grids; "
            f"client, server and PostgreSQL share {os.cpu_count()} cores"
        ),
    )


# --- Ten million events -----------------------------------------------------------------------

# Open events: (state, level) and how often; the rest are closed. The holder is the grid,
# village, township or county of the event's grid, as the level says.
OPEN_MIX = [
    ("reported", "grid", 30),
    ("reported", "village", 10),
    ("reported", "township", 15),
    ("accepted", "grid", 10),
    ("accepted", "township", 15),
    ("dispatched", "township", 8),
    ("in_progress", "township", 7),
    ("handled", "township", 5),
]
HOLDER_LENGTH = {"grid": 15, "village": 12, "township": 9, "county": 6}


def fill_events(database_url: str, target: int = TARGET_EVENTS) -> str:
    """Bring the events table to `target` rows with one INSERT … SELECT per million; says
    what it did. Rows already there are kept (the table is reused between runs)."""
    with psycopg.connect(database_url, autocommit=True) as db:
        have = db.execute("SELECT count(*) FROM cases_event").fetchone()[0]
        if have >= target:
            return f"{have:,} events, reused"
        grids = db.execute(
            "SELECT array_agg(id ORDER BY id), array_agg(code ORDER BY id), "
            "array_agg(coalesce(centroid_lat, 28.3) ORDER BY id), "
            "array_agg(coalesce(centroid_lon, 109.6) ORDER BY id) "
            "FROM regions_region WHERE level = 'grid'"
        ).fetchone()
        categories = db.execute(
            "SELECT array_agg(id ORDER BY id) FROM cases_category WHERE parent_id IS NOT NULL"
        ).fetchone()[0]
        mix = [(state, level) for state, level, weight in OPEN_MIX for _ in range(weight)]
        states = [state for state, _level in mix]
        levels = [level for _state, level in mix]
        lengths = [HOLDER_LENGTH[level] for level in levels]
        started = time.monotonic()
        step = 1_000_000
        for first in range(have + 1, target + 1, step):
            last = min(first + step - 1, target)
            db.execute(
                _FILL_SQL,
                {
                    "first": first,
                    "last": last,
                    "grid_ids": grids[0],
                    "grid_codes": grids[1],
                    "lats": grids[2],
                    "lons": grids[3],
                    "categories": categories,
                    "states": states,
                    "levels": levels,
                    "lengths": lengths,
                    "open_per_mille": int(OPEN_SHARE * 1000),
                },
            )
            print(f"  events {last:,}/{target:,} ({time.monotonic() - started:.0f} s)", flush=True)
        db.execute("VACUUM ANALYZE cases_event")
        return (
            f"{target:,} events, {target - have:,} generated in {time.monotonic() - started:.0f} s"
        )


# Each row: a grid and a category by its number; one in OPEN_SHARE is open, at a state and
# level from the mix, with its running deadline spread from 5 days overdue to 10 days ahead.
_FILL_SQL = """
WITH rows AS (
    SELECT g,
           1 + (g * 7919) %% cardinality(%(grid_ids)s::bigint[]) AS gi,
           1 + g %% cardinality(%(categories)s::bigint[]) AS ci,
           (g %% 1000) < %(open_per_mille)s AS is_open,
           1 + (g / 1000) %% cardinality(%(states)s::text[]) AS mi,
           now() - make_interval(secs => (g %% 157680000)) AS reported
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
)
INSERT INTO cases_event (
    uuid, tracking_code, title, description, category_id, urgency, emergency_grade,
    latitude, longitude, address, grid_id, region_code, source, reporter_name, reporter_phone,
    state, state_before_suspension, level, holder_code, origin_level, deadline_unit,
    stage_started_at, accept_due, handle_due, verify_due, red_due, warn_at, warned, card,
    suspended_seconds, is_urgent, is_long_standing, is_pinned, satisfaction,
    reported_at, closed_at, version, created_at, updated_at
)
SELECT
    md5('bench-event-' || g)::uuid,
    'B' || lpad(g::text, 11, '0'),
    '基准事件 ' || g, '', (%(categories)s::bigint[])[ci], 'medium', '',
    (%(lats)s::float8[])[gi], (%(lons)s::float8[])[gi], '',
    (%(grid_ids)s::bigint[])[gi], (%(grid_codes)s::text[])[gi], 'grid_worker', '', '',
    CASE WHEN is_open THEN (%(states)s::text[])[mi] ELSE 'closed' END,
    '',
    CASE WHEN is_open THEN (%(levels)s::text[])[mi] ELSE 'township' END,
    CASE WHEN is_open
         THEN left((%(grid_codes)s::text[])[gi], (%(lengths)s::int[])[mi])
         ELSE left((%(grid_codes)s::text[])[gi], 9) END,
    'grid', 'working_days',
    reported,
    CASE WHEN is_open AND (%(states)s::text[])[mi] = 'reported'
         THEN now() + make_interval(hours => ((g %% 360) - 120)::int) END,
    CASE WHEN is_open AND (%(states)s::text[])[mi] IN ('accepted', 'dispatched', 'in_progress')
         THEN now() + make_interval(hours => ((g %% 360) - 120)::int) END,
    CASE WHEN is_open AND (%(states)s::text[])[mi] = 'handled'
         THEN now() + make_interval(hours => ((g %% 360) - 120)::int) END,
    CASE WHEN is_open THEN now() + make_interval(hours => ((g %% 360) + 120)::int) END,
    NULL, false,
    CASE WHEN is_open AND g %% 360 < 120 THEN 'yellow' ELSE 'none' END,
    0, false, false, false,
    CASE WHEN is_open THEN NULL ELSE 1 + g %% 5 END,
    reported,
    CASE WHEN is_open THEN NULL ELSE reported + interval '3 days' END,
    1, reported, reported
FROM rows
"""


def worklist(database_url: str) -> Result:
    from gridgov.accounts.models import User
    from gridgov.cases import worklist as worklists
    from gridgov.demo.people import DEMO_LOGINS

    centre = next(login for login in DEMO_LOGINS if login.username == "township_centre")
    user = User.objects.get(username=centre.username)
    client = Client()
    client.force_login(user)
    waiting = worklists.waiting(user).counts

    def page(limit: int) -> None:
        response = client.get(f"/api/events/worklist?limit={limit}")
        assert response.status_code == 200, response.content

    def queries(limit: int) -> int:
        # Counted apart from the timed pages: capturing formats every query it records.
        with CaptureQueriesContext(connection) as captured:
            page(limit)
        return len(captured)

    small, large = queries(10), queries(200)
    raw_sql = (
        "SELECT id, uuid, title, state, accept_due, handle_due FROM cases_event "
        "WHERE holder_code = %s AND state IN ('reported', 'accepted') "
        "ORDER BY coalesce(accept_due, handle_due), id LIMIT 50"
    )
    with psycopg.connect(database_url) as raw:

        def baseline():
            raw.execute(raw_sql, [centre.region_code]).fetchall()

        baseline_ms = timed(baseline, 300)
    return Result(
        name="GET /api/events/worklist, township centre, first 50",
        subject_ms=timed(lambda: page(50), 300),
        baseline_name="raw SQL of the main bucket (psycopg)",
        baseline_ms=baseline_ms,
        note=(
            f"{sum(waiting.values())} events waiting {waiting}; {small} queries for 10 rows, "
            f"{large} for 200 (target: p95 < 30 ms, constant query count)"
        ),
    )


def run(database_url: str) -> tuple[list[Result], str]:
    filled = fill_events(database_url)
    return [worklist(database_url), intake(database_url)], filled
