"""The two rows every signed-in browser request reads, the session and its user, each with
a statement written once (gridgov.statements) instead of a query the ORM builds afresh on
every request: building those cost more CPU than the database spends answering them.

`SessionStore` is Django's database session store (SESSION_ENGINE) and `UserBackend` its
model backend (AUTHENTICATION_BACKENDS), each reading its row the same way; what they
check (an unexpired session, an active user) is theirs unchanged.
"""

import functools

from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db
from django.utils import timezone

from gridgov.statements import Columns, fetch


@functools.cache
def _session_statement() -> tuple[Columns, str]:
    from django.contrib.sessions.models import Session

    columns = Columns(Session, "s", [field.name for field in Session._meta.concrete_fields])
    sql = (
        f'SELECT {columns.sql} FROM "{Session._meta.db_table}" s '
        'WHERE s."session_key" = %s AND s."expire_date" > %s'
    )
    return columns, sql


@functools.cache
def _user_statement() -> tuple[Columns, str]:
    from gridgov.accounts.models import User

    columns = Columns(User, "u", [field.name for field in User._meta.concrete_fields])
    sql = (
        f'SELECT {columns.sql} FROM "{User._meta.db_table}" u WHERE u."{User._meta.pk.column}" = %s'
    )
    return columns, sql


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        columns, sql = _session_statement()
        rows = fetch(sql, [self.session_key, timezone.now()])
        if not rows:  # none, or expired: as Django's store, forget the key
            self._session_key = None
            return None
        return columns.instance(rows[0])


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        columns, sql = _user_statement()
        rows = fetch(sql, [user_id])
        if not rows:
            return None
        user = columns.instance(rows[0])
        return user if self.user_can_authenticate(user) else None
