"""The vocabulary of the scope tables (tests/*/test_scope_*.py): the personas in the order of
a row's statuses, the body of a 404, and the status every persona gets."""

# A row's statuses are given in this order.
PERSONA_ORDER = (
    "worker_a",
    "worker_b",
    "cadre",
    "township",
    "handler",
    "leader",
    "outsider",
    "admin",
)
# Out of scope and missing answer exactly alike.
NOT_FOUND = {"detail": "未找到 Not found."}
MISSING_UUID = "00000000-0000-4000-8000-000000000404"


def ALL(status: int) -> tuple[int, ...]:
    """The same status for every persona."""
    return (status,) * len(PERSONA_ORDER)


OK = ALL(200)
