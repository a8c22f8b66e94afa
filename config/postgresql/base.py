"""Django's PostgreSQL backend, with a health check that costs no round trip while the
connection is in use and shows no sign of trouble.

Django checks a persistent connection at the start of each request with `SELECT 1` (one round
trip per request). A connection the server has ended (a restart, an idle timeout,
pg_terminate_backend) has a notice or the end of the stream waiting on its socket, which a
zero-timeout poll sees without asking the server. The full check still runs when the poll sees
anything, when the connection is not idle, and when it has not been checked for
FULL_CHECK_AFTER seconds: a connection dropped silently on the way (a firewall, a vanished
host) shows nothing on its socket, and is most likely after a quiet spell.
"""

import select
import time

from django.db.backends.postgresql import base, operations
from psycopg.pq import TransactionStatus

FULL_CHECK_AFTER = 30.0


# PostgreSQL takes at most this many parameters in a statement bound on the server
# (config/settings.py); on the client there is no such limit.
MAX_PARAMETERS = 65_535


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        """Django's batches (bulk_create, and the rows a delete collects) within the limit on
        parameters when statements are bound on the server."""
        size = super().bulk_batch_size(fields, objs)
        if not self.connection.settings_dict["OPTIONS"].get("server_side_binding"):
            return size
        return max(1, min(size, MAX_PARAMETERS // max(1, len(fields))))


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    checked_at = 0.0

    def close_if_health_check_failed(self):
        if self.connection is not None and self.health_check_enabled and not self.health_check_done:
            now = time.monotonic()
            recently = now - self.checked_at < FULL_CHECK_AFTER
            self.checked_at = now
            if recently and _looks_healthy(self.connection):
                self.health_check_done = True
                return
        super().close_if_health_check_failed()

    def connect(self):
        super().connect()
        self.checked_at = time.monotonic()


def _looks_healthy(connection) -> bool:
    if connection.closed or connection.broken:
        return False
    if connection.info.transaction_status != TransactionStatus.IDLE:
        return False
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN)
    return not poller.poll(0)
