"""The range of dates the system accepts anywhere: wide enough for every real record and booking,
narrow enough that date arithmetic never overflows into a 500."""

from datetime import date

EARLIEST_DATE = date(2000, 1, 1)  # appointments, searches, record periods
LATEST_DATE = date(2100, 1, 1)
# Dates of birth: nobody born earlier is alive to book or to be named in a record request.
EARLIEST_BIRTH = date(1900, 1, 1)
