"""The operators' page on security shows the real permission matrix: when roles.py changes,
docs/operations/security.md must change with it."""

import re
from pathlib import Path

from gridgov.accounts.roles import ALLOWED_LEVELS, PERMISSIONS, Role
from gridgov.regions.choices import Level

PAGE = Path(__file__).resolve().parents[2] / "docs" / "operations" / "security.md"
COLUMNS = {
    "See regions": "regions.view",
    "See departments": "departments.view",
    "See people": "accounts.view_users",
    "Manage people": "accounts.manage_users",
    "Manage regions and grids": "regions.manage",
    "Read the audit log": "audit.view",
    "See the register": "registry.view",
    "Change the register": "registry.edit",
    "Show in clear": "registry.reveal",
    "Import to the register": "registry.import",
    "Export the register": "registry.export",
    "Approve large exports": "registry.approve_export",
    "See cases": "cases.view",
    "Report cases": "cases.report",
    "Accept cases": "cases.accept",
    "Resolve on the spot": "cases.resolve",
    "Dispatch cases": "cases.dispatch",
    "Handle cases": "cases.handle",
    "Verify results": "cases.verify",
    "Rate answers": "cases.rate",
    "Configure categories and deadlines": "cases.configure",
    "See visits": "visits.view",
    "Record visits": "visits.record",
    "See poverty monitoring": "poverty.view",
    "Report households at risk": "poverty.report",
    "Review at the village": "poverty.review",
    "Approve monitoring": "poverty.approve",
    "Configure monitoring lines": "poverty.configure",
}


def _matrix() -> dict[str, dict[str, str]]:
    lines = [line for line in PAGE.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    start = next(i for i, line in enumerate(lines) if "| Code |" in line)
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    rows = {}
    for line in lines[start + 2 :]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != len(header) or not cells[1].startswith("`"):
            break
        row = dict(zip(header, cells, strict=True))
        rows[row["Code"].strip("`")] = row
    return rows


def test_the_page_lists_every_role_with_its_permissions():
    rows = _matrix()
    assert set(rows) == set(Role.values)
    for role, row in rows.items():
        documented = {name for column, name in COLUMNS.items() if row[column] == "yes"}
        assert documented == set(PERMISSIONS[role]), role


def test_the_page_says_where_each_role_can_be_held():
    for role, row in _matrix().items():
        text = re.sub(r"\(.*?\)", "", row["Assigned at"]).strip()
        levels = set(Level.values) if text == "any level" else {w.strip() for w in text.split(",")}
        assert levels == set(ALLOWED_LEVELS[role]), role
