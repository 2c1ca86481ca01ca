"""Background jobs (huey): refresh every visit plan each night, so that tags added, ended
or changed in the register, and norms changed by the county, reach the due dates."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from gridgov.visits import plans


@db_periodic_task(crontab(minute="30", hour="2"))
def refresh_visit_plans() -> int:
    return plans.refresh_all()
