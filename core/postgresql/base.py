"""Django's PostgreSQL backend, with a health check that costs no round trip.

With CONN_HEALTH_CHECKS Django checks a kept connection when a request first uses it by running
`SELECT 1`: one more round trip to PostgreSQL on every request that reads or writes, ~5 % of a
bid's CPU on the web workers (bench/bids.py). A connection the server has closed (a restart,
pg_terminate_backend(), idle_session_timeout) has something to read while no query of ours is
running: the server's FATAL message, then the end of the stream. So the socket is polled without
waiting, and Django's `SELECT 1` runs only when it has something to say (or a transaction is
open, or the driver is not psycopg 3). A network path that died without a word is not seen by
either check: Django's `SELECT 1` would wait on it as long as any query would.
"""

import select

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import is_psycopg3

if is_psycopg3:
    from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None:
            return False
        if not is_psycopg3 or connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()
        if connection.closed or connection.broken:
            return False
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            said_something = bool(poller.poll(0))
        except (OSError, ValueError):
            return False
        # Something unasked for: a FATAL and a hang-up, or a notice. Let the round trip decide.
        return super().is_usable() if said_something else True
