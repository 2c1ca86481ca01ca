"""docs/development/workflow.md shows the real transition table: when workflow.py changes,
the page must change with it (the failure message prints the table to paste)."""

from pathlib import Path

from gridgov.cases.choices import State
from gridgov.cases.workflow import ALL_LEVELS, TABLE, WHO_TEXT

PAGE = Path(__file__).resolve().parents[2] / "docs" / "development" / "workflow.md"
START, END = "<!-- transitions:start -->", "<!-- transitions:end -->"


def _targets(targets) -> str:
    return " or ".join(f"`{t}`" if t else "(unchanged)" for t in targets)


def render_table() -> str:
    lines = [
        "| Action | 操作 | From | To | Permission | Whose action | Levels | Clock | Only when |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in TABLE:
        levels = "any" if row.levels == ALL_LEVELS else ", ".join(row.levels)
        cells = [
            f"`{row.action}`",
            row.label,
            ", ".join(f"`{state}`" for state in row.sources),
            _targets(row.targets),
            f"`{row.permission}`",
            WHO_TEXT[row.who],
            levels,
            row.clock or "—",
            row.guard_text or "—",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_the_page_shows_the_transition_table():
    text = PAGE.read_text(encoding="utf-8")
    documented = text.split(START, 1)[1].split(END, 1)[0].strip()
    expected = render_table()
    assert documented == expected, f"Replace the table in {PAGE.name} with:\n\n{expected}\n"


def test_the_page_lists_every_state():
    text = PAGE.read_text(encoding="utf-8")
    for state in State:
        assert f"| `{state.value}` | {state.label} |" in text, state
