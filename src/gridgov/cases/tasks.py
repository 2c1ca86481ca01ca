"""Background jobs (huey): the supervision sweep every minute, and outbound notifications.

With SQLite the queue lives in ./var/huey.sqlite3; with GRIDGOV_REDIS_URL it is Redis and
any number of consumers may run: the sweep's conditional updates make that safe.
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from gridgov.cases import channels, supervision


@db_periodic_task(crontab(minute="*"))
def sweep_deadlines() -> str:
    return str(supervision.apply_cards())


@db_task()
def deliver_notifications(notification_ids: list[int]) -> int:
    return channels.deliver(notification_ids)
