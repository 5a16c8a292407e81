"""The garbage collector of a process that serves the app for its lifetime (wsgi.py).

A gunicorn worker makes the app once and then answers requests for hours. Two settings of
Python's cyclic garbage collector, measured on the organisation list (in process, SQLite):

- What start-up made (the modules, the app, SQLAlchemy's mappers and compiled statements,
  Babel's catalogues: some 270,000 objects) lives as long as the process, yet the collector's
  full passes walked all of it again every few hundred requests, 0.2 s each: 0.7 ms a request
  on average. Frozen (`gc.freeze`), it is left out of the passes; each object is still freed
  when its last reference goes.
- A page allocates tens of thousands of short-lived objects, nearly all freed by their
  reference counts before any pass. At Python's threshold of 700 new objects the young
  generation was collected once a request (0.15 ms, and an older pass every tenth): 0.23 ms a
  request with start-up frozen. Measured at 5,000 (11 collections in 300 requests) and 20,000
  (2 in 300): 0.04–0.10 ms a request; YOUNG_THRESHOLD lies between them.

The command line (`flask --app wsgi …`) gets the same settings: an import of the register's
file allocates as a page does, only longer. The test suite, which makes many apps in one
process, keeps Python's defaults.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000


def settle_for_serving() -> None:
    """Freeze what start-up made and collect the young generation less often."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
