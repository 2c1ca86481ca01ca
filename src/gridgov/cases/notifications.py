"""Who hears about what: inbox rows written with the change, copies sent after commit.

The inbox rows are inserted inside the action's transaction, so a notification exists if
and only if its change does; the outbound copies (SMS, WeChat Work) are queued with
`transaction.on_commit`, so nobody is told about a change that was rolled back.
"""

from collections.abc import Iterable
from functools import cache

from django.db import transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from gridgov.accounts.models import RoleAssignment, User
from gridgov.accounts.roles import PERMISSIONS
from gridgov.cases.choices import LEVEL_CODE_LENGTH, LEVEL_ORDER
from gridgov.cases.models import Event, Notification
from gridgov.statements import fetch


def _roles_with(permission: str) -> list[str]:
    return [role for role, granted in PERMISSIONS.items() if permission in granted]


# The unit's staff holding a permission: the current assignments at exactly this region
# (one grid, village, township centre or county centre) whose role grants it, of active
# people. Written out once (gridgov.statements): every report asks it; `unit_users` reads
# the same rule as a subquery.
_UNIT_USER_IDS_SQL = (
    f'SELECT DISTINCT unit."user_id" FROM "{RoleAssignment._meta.db_table}" unit '
    f'JOIN "{User._meta.db_table}" person ON person."id" = unit."user_id" '
    'WHERE unit."region_code" = %s AND unit."role" IN ({roles}) '
    'AND unit."department_id" IS NULL AND unit."ended_at" IS NULL AND person."is_active"'
)


@cache
def _unit_user_ids_sql(permission: str) -> tuple[str, tuple[str, ...]]:
    roles = tuple(_roles_with(permission))
    return _UNIT_USER_IDS_SQL.format(roles=", ".join(["%s"] * len(roles)) or "NULL"), roles


def unit_user_ids(code: str, permission: str) -> list[int]:
    """The ids of the unit's staff holding `permission`."""
    sql, roles = _unit_user_ids_sql(permission)
    return sorted(row[0] for row in fetch(sql, [code, *roles]))


def unit_users(code: str, permission: str) -> list[User]:
    """The unit's staff holding `permission` (one query)."""
    sql, roles = _unit_user_ids_sql(permission)
    return list(User.objects.filter(pk__in=RawSQL(sql, [code, *roles])))


def department_users(department_ids: Iterable[int]) -> list[User]:
    user_ids = RoleAssignment.objects.filter(
        department_id__in=list(department_ids), ended_at__isnull=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=user_ids, is_active=True))


def units_above(event: Event, level: str) -> list[str]:
    """The codes of `level`'s unit and the units above it, bottom first, up to the county."""
    above = LEVEL_ORDER[LEVEL_ORDER.index(level) :]
    return [event.region_code[: LEVEL_CODE_LENGTH[unit]] for unit in above]


def nearest_users(codes: Iterable[str], permission: str) -> list[User]:
    """The staff of the first unit in `codes` that has anyone holding `permission`."""
    for code in codes:
        users = unit_users(code, permission)
        if users:
            return users
    return []


def handlers_of(event: Event) -> list[User]:
    """Who works the case now: the lead department's people, or the holding unit's."""
    if event.lead_department_id:
        return department_users([event.lead_department_id])
    return unit_users(event.holder_code, "cases.accept")


def approvers_of(event: Event) -> list[User]:
    """Who decides extensions, suspensions and returns: the dispatching centre holding the
    case, or the nearest centre above a village or grid that holds it."""
    return nearest_users(units_above(event, event.level), "cases.dispatch")


def notify(
    users: Iterable[User | int | None], event: Event, kind: str, text: str
) -> list[Notification]:
    """Put a message in each user's inbox (once per user; users or their ids) and queue
    the outbound copies."""
    now = timezone.now()
    user_ids = dict.fromkeys(getattr(user, "pk", user) for user in users if user is not None)
    rows = Notification.objects.bulk_create(
        [
            Notification(user_id=user_id, event=event, kind=kind, text=text[:300], created_at=now)
            for user_id in user_ids
        ]
    )
    # bulk_create returns the ids on PostgreSQL and on SQLite ≥ 3.35 (RETURNING).
    ids = [row.pk for row in rows]
    if ids:
        transaction.on_commit(lambda: _queue_delivery(ids))
    return rows


def _queue_delivery(ids: list[int]) -> None:
    from gridgov.cases.tasks import deliver_notifications

    deliver_notifications(ids)


def mark_read(*, actor: User, notification_ids: Iterable[int]) -> int:
    """Mark some of the actor's own notifications read; returns how many changed."""
    return Notification.objects.filter(
        user=actor, pk__in=list(notification_ids), read_at__isnull=True
    ).update(read_at=timezone.now())


def unread_count(user) -> int:
    """How many of the user's messages are unread (the number beside 消息)."""
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
