"""Background jobs (huey): the risk rules run over every candidate household each night."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from gridgov.poverty import rules


@db_periodic_task(crontab(hour="2", minute="30"))
def evaluate_risks() -> int:
    return rules.evaluate_all()
