"""Resident search over the whole prefecture (issue 3: p95 under 50 ms on PostgreSQL).

Runs against the persistent full-size database (bench/__main__.py fills it once with
`gridgov demo --scale 1`, about 2.6 million residents, and reuses it afterwards). For each
kind of search — the start of a name, full pinyin, pinyin initials, a whole ID number, its
last six characters, a phone number — 200 queries are drawn from real residents and run
within that resident's county, the way `POST /api/residents/search` runs them: the first
page of 50 (with the tags of those 50) and the total count. The baseline is the same search
written as a substring match (`LIKE '%…%'`), which no btree index can serve, so PostgreSQL
reads the county's whole range of the `region_code` index instead; it runs on 20 of the
queries, since each takes a good part of a second.

The last row times the first page of a township's resident list through the API (scope,
masking, schema) against a bare Django view returning the same 50 rows.
"""

import random
import time
from collections.abc import Callable

from django.db import DatabaseError, connection
from django.db.models import Q, QuerySet
from django.http import JsonResponse
from django.test import Client, RequestFactory

from bench.harness import Result, timed
from gridgov.registry import queries
from gridgov.registry.models import Resident

QUERIES_PER_KIND = 200
BASELINE_QUERIES = 20
PAGE = 50
TOWNSHIP = "433124110"  # 双龙镇
SAMPLE_SEED = 2024


def _admin():
    from gridgov.accounts.models import User

    return User.objects.filter(role_assignments__role="administrator").first()


def _sample_people(count: int) -> list[tuple]:
    """(region_code, name, pinyin, initials, ID number, phone) of `count` random residents,
    found by random primary keys (ORDER BY random() over 2.6 million rows takes seconds)."""
    randomly = random.Random(SAMPLE_SEED)
    with connection.cursor() as cursor:
        cursor.execute('SELECT MIN("id"), MAX("id") FROM "registry_resident"')
        low, high = cursor.fetchone()
    people: list[tuple] = []
    while len(people) < count:
        ids = [randomly.randint(low, high) for _ in range(count)]
        people += list(
            Resident.objects.filter(id__in=ids)
            .exclude(phone="")
            .values_list(
                "region_code", "name", "name_pinyin", "name_initials", "id_number", "phone"
            )
        )
    randomly.shuffle(people)
    return people[:count]


def _queries(people: list[tuple], randomly: random.Random) -> dict[str, list[tuple[str, str]]]:
    """(county, text) per kind, the way people type them: a surname and the first
    character of the given name; a pinyin prefix longer than the surname; all initials."""
    kinds: dict[str, list[tuple[str, str]]] = {
        "name prefix": [],
        "full pinyin prefix": [],
        "pinyin initials": [],
        "full ID number": [],
        "ID last 6": [],
        "phone": [],
    }
    for code, name, pinyin, initials, id_number, phone in people:
        county = code[:6]
        kinds["name prefix"].append((county, name[:2]))
        kinds["full pinyin prefix"].append(
            (county, pinyin[: randomly.randint(min(len(pinyin), 5), len(pinyin))])
        )
        kinds["pinyin initials"].append((county, initials))
        kinds["full ID number"].append((county, id_number))
        kinds["ID last 6"].append((county, id_number[-6:]))
        kinds["phone"].append((county, phone))
    return kinds


def _naive(residents: QuerySet, kind: str, text: str) -> QuerySet:
    """The same search as a substring match: what the query looks like without the
    prefix indexes and exact-match columns."""
    if kind == "name prefix":
        return residents.filter(name__contains=text)
    if kind in ("full pinyin prefix", "pinyin initials"):
        return residents.filter(Q(name_initials__contains=text) | Q(name_pinyin__contains=text))
    if kind == "ID last 6":
        return residents.filter(id_number__endswith=text)
    if kind == "phone":
        return residents.filter(phone__contains=text)
    return residents.filter(id_number__contains=text)


def _time_each(searches: list[tuple[str, str]], run: Callable[[str, str], int]) -> list[float]:
    samples = []
    for county, text in searches:
        start = time.perf_counter()
        run(county, text)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def plan_summary(county: str, kind: str, text: str) -> str:
    """The index scans PostgreSQL chose for one search (from EXPLAIN ANALYZE)."""
    residents = Resident.objects.within(county)
    found = queries.search_residents(residents, text).order_by("region_code", "household_id", "id")
    sql, params = found[:PAGE].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else plan
    scans = []

    def walk(node: dict) -> None:
        if "Index Name" in node:
            scans.append(f"{node['Node Type']} {node['Index Name']}")
        elif node["Node Type"] == "Seq Scan":
            scans.append("Seq Scan")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return f"{'; '.join(dict.fromkeys(scans))} ({plan['Execution Time']:.1f} ms)"


# What a search reads: the people, and for each page their households and tags.
SEARCHED_TABLES = ("registry_resident", "registry_household", "registry_populationtag")


def _warm_register() -> str:
    """Read the register's tables and their indexes into the operating system's cache, as
    a server that has been answering searches holds them (a cold disk would decide the p95,
    not the query: the first kind of search timed would pay for everyone); says how."""
    with connection.cursor() as cursor:
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        except DatabaseError:
            return "no pg_prewarm: cold cache"
        cursor.execute(
            "SELECT sum(pg_prewarm(c.oid, 'read')) FROM pg_class c "
            "WHERE c.relname = ANY(%s) OR c.oid IN "
            "(SELECT indexrelid FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relname = ANY(%s))",
            [list(SEARCHED_TABLES), list(SEARCHED_TABLES)],
        )
        blocks = cursor.fetchone()[0]
    return f"register read into the cache first ({blocks * 8 // 1024:,} MB)"


def searches() -> list[Result]:
    admin = _admin()
    warmed = _warm_register()
    randomly = random.Random(SAMPLE_SEED)
    kinds = _queries(_sample_people(QUERIES_PER_KIND + 10), randomly)

    def search(county: str, text: str) -> int:
        residents = queries.residents_for(admin).within(county)
        found = queries.search_residents(residents, text)
        page = list(found[:PAGE])
        return len(page) + found.count()

    results = []
    for kind, items in kinds.items():
        warm_up, measured = items[:10], items[10 : 10 + QUERIES_PER_KIND]
        _time_each(warm_up, search)

        def naive(county: str, text: str, kind: str = kind) -> int:
            residents = queries.residents_for(admin).within(county)
            found = _naive(residents, kind, text)
            return len(list(found[:PAGE])) + found.count()

        county, text = measured[0]
        results.append(
            Result(
                name=f"search residents by {kind}, within a county (2.6 M rows, page + count)",
                subject_ms=_time_each(measured, search),
                baseline_name=f"LIKE '%…%' substring match ({BASELINE_QUERIES} queries)",
                baseline_ms=_time_each(measured[:BASELINE_QUERIES], naive),
                note=plan_summary(county, kind, text) + ("" if results else f"; {warmed}"),
            )
        )
    return results


def township_list() -> Result:
    from gridgov.accounts.models import User

    user = User.objects.get(username="township_centre")
    client = Client()
    client.force_login(user)
    factory = RequestFactory()

    def bare_view(request):
        rows = list(
            Resident.objects.within(TOWNSHIP)
            .order_by("region_code", "household_id", "id")
            .values("uuid", "name", "region_code", "sex", "birth_date")[:PAGE]
        )
        return JsonResponse({"items": rows, "count": Resident.objects.within(TOWNSHIP).count()})

    def through_api():
        response = client.get(f"/api/residents/?within={TOWNSHIP}&limit={PAGE}")
        assert response.status_code == 200, response.content[:200]

    count = Resident.objects.within(TOWNSHIP).count()
    return Result(
        name=f"GET /api/residents/?within={{township}} first page ({count} residents in scope)",
        subject_ms=timed(through_api, 100),
        baseline_name="bare Django view, same rows",
        baseline_ms=timed(lambda: bare_view(factory.get("/")), 100),
        note="in-process test client; scope, masking, tags and schema included",
    )


def run() -> list[Result]:
    return [*searches(), township_list()]
