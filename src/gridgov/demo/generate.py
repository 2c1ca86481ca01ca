"""The Xiangxi demo, step by step. Every step adds only what is missing, so running the
demo again changes nothing and takes a moment: divisions → grids and boundaries →
departments → logins → the register (households, residents, places, organisations) →
events → visits and the work log.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from gridgov.accounts import audit
from gridgov.demo import departments, geography, grids, people, population
from gridgov.demo import events as demo_events
from gridgov.demo import visits as demo_visits
from gridgov.regions import geometry
from gridgov.regions.choices import GRID_PARENT_LEVELS, Kind, Level
from gridgov.regions.loader import XIANGXI_FILE, LoadSummary, load_divisions
from gridgov.regions.models import Region
from gridgov.regions.pinyin import pinyin_keys

ROOT = geography.PREFECTURE_CODE
DEFAULT_SEED = 4331


@dataclass
class DemoSummary:
    """What one run of the demo added."""

    scale: float
    seed: int
    divisions: LoadSummary | None = None
    grids_created: int = 0
    boundaries_drawn: int = 0
    departments_created: int = 0
    logins_created: int = 0
    register: population.RegisterSummary | None = None
    events: demo_events.EventsSummary | None = None
    visits: demo_visits.VisitsSummary | None = None

    def lines(self) -> list[str]:
        lines = []
        if self.divisions is not None:
            counts = ", ".join(f"{level} {n}" for level, n in self.divisions.by_level.items())
            division_lines = self.divisions.lines()
            lines.append(f"divisions: {division_lines[0]} ({counts})")
            if self.divisions.skipped_statistical:
                lines.append(division_lines[-1])  # the statistics-only units left out
        lines += [
            f"grids: created {self.grids_created}",
            f"boundaries: drawn {self.boundaries_drawn}",
            f"departments: created {self.departments_created}",
            f"logins: created {self.logins_created}",
        ]
        if self.register is not None:
            lines += self.register.lines()
        if self.events is not None:
            lines += self.events.lines()
        if self.visits is not None:
            lines += self.visits.lines()
        lines.append(f"scale {self.scale}, seed {self.seed}")
        return lines


def load_xiangxi() -> LoadSummary:
    return load_divisions(XIANGXI_FILE, within=ROOT)


def _region_rows(root: str) -> list[tuple]:
    """(id, code, name, level, kind, has boundary) of every region under root, without
    reading the boundaries themselves."""
    has_geometry = models.ExpressionWrapper(
        models.Q(geometry__isnull=False), output_field=models.BooleanField()
    )
    return list(
        Region.objects.within(root)
        .annotate(has_geometry=has_geometry)
        .values_list("id", "code", "name", "level", "kind", "has_geometry")
        .order_by("code")
    )


def _missing_work(rows: list[tuple]) -> tuple[list[tuple], bool]:
    """The villages without grids, and whether any region lacks a boundary."""
    villages_with_grids = {
        code[:12] for _id, code, _n, level, _k, _g in rows if level == Level.GRID
    }
    bare_villages = [
        (code, name, level)
        for _id, code, name, level, _kind, _geometry in rows
        if level in GRID_PARENT_LEVELS and code not in villages_with_grids
    ]
    return bare_villages, any(not has_geometry for *_rest, has_geometry in rows)


@transaction.atomic
def add_grids_and_boundaries(
    *,
    seed: int,
    root: str = ROOT,
    actor=None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Give every village or community without grids a few, and every region without a
    boundary a synthetic one; returns (grids created, boundaries drawn).

    `progress(done, total)` is called as the parents are split, for a progress bar.
    """
    rows = _region_rows(root)
    bare_villages, boundaries_missing = _missing_work(rows)
    if not bare_villages and not boundaries_missing:
        return 0, 0
    planned = grids.plan_grids(bare_villages, seed=seed)
    stored = dict(
        Region.objects.within(root).filter(geometry__isnull=False).values_list("code", "geometry")
    )
    nodes = [geography.Node(code, kind, stored.get(code)) for _id, code, _n, _l, kind, _g in rows]
    nodes += [geography.Node(grid.code, Kind.GRID) for grid in planned]
    shapes = geography.draw_boundaries(nodes, seed=seed, root=root, progress=progress)

    def boundary_fields(code: str) -> dict:
        shape = shapes.get(code)
        if shape is None:
            return {}
        latitude, longitude = geography.inner_point(shape)
        return {
            "geometry": geography.to_geojson(shape),
            "centroid_lat": latitude,
            "centroid_lon": longitude,
        }

    now = timezone.now()
    updated = [
        Region(pk=pk, updated_at=now, **boundary_fields(code))
        for pk, code, *_rest in rows
        if code in shapes
    ]
    Region.objects.bulk_update(
        updated, ["geometry", "centroid_lat", "centroid_lon", "updated_at"], batch_size=500
    )
    village_ids = {code: pk for pk, code, _n, level, _k, _g in rows if level in GRID_PARENT_LEVELS}
    new_grids = []
    for grid in planned:
        full, initials = pinyin_keys(grid.name)
        new_grids.append(
            Region(
                code=grid.code,
                name=grid.name,
                level=Level.GRID,
                kind=Kind.GRID,
                parent_id=village_ids[grid.village_code],
                name_pinyin=full,
                name_initials=initials,
                **boundary_fields(grid.code),
            )
        )
    Region.objects.bulk_create(new_grids, batch_size=1000)
    audit.record(
        actor=actor,
        action="demo.create_grids",
        region_code=root,
        after={
            "grids_created": len(new_grids),
            "boundaries_drawn": len(shapes),
            "seed": seed,
        },
    )
    transaction.on_commit(geometry.geometry_changed)
    return len(new_grids), len(shapes)


def create_departments(*, actor=None) -> int:
    return departments.create_departments(root=ROOT, actor=actor)


def create_logins(*, actor=None) -> int:
    return people.create_logins(actor=actor)


def add_register(
    *,
    scale: float,
    seed: int,
    root: str = ROOT,
    actor=None,
    progress: Callable[[int, int], None] | None = None,
) -> population.RegisterSummary:
    """Households and residents in every grid under `root` without any, and the places
    and organisations of every village without any (demo/population.py)."""
    return population.add_register(
        scale=scale, seed=seed, root=root, actor=actor, progress=progress
    )


def add_events(
    *,
    scale: float,
    seed: int,
    root: str = ROOT,
    actor=None,
    progress: Callable[[int, int], None] | None = None,
) -> demo_events.EventsSummary:
    """Events in every state of the workflow, reported and worked through the real actions,
    mostly around the demo logins; nothing when the demo has events (demo/events.py)."""
    return demo_events.add_events(scale=scale, seed=seed, root=root, actor=actor, progress=progress)


def add_visits(
    *,
    scale: float,
    seed: int,
    root: str = ROOT,
    progress: Callable[[int, int], None] | None = None,
) -> demo_visits.VisitsSummary:
    """Visits over the last 90 days and work-log entries around 十八洞村, and the visit
    plans that follow; nothing when the demo has visits (demo/visits.py)."""
    return demo_visits.add_visits(scale=scale, seed=seed, root=root, progress=progress)
