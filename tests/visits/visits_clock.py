"""The moments the visits tests are frozen at."""

from datetime import date, datetime

from gridgov.cases.calendar import SHANGHAI

# A Monday, 10:00 in Xiangxi; the test register is "registered" on REGISTERED.
TODAY = date(2027, 3, 1)
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=SHANGHAI)
REGISTERED = datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI)
