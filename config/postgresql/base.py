"""Django's PostgreSQL backend, with a health check that costs no round trip while the
connection shows no sign of trouble.

Django checks a persistent connection at the start of each request with `SELECT 1` (one round
trip per request). A connection the server has ended (a restart, an idle timeout,
pg_terminate_backend) has a notice or the end of the stream waiting on its socket, which a
zero-timeout poll sees without asking the server. Only then, or when the connection is not
idle, is the full check run.
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and _looks_healthy(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()


def _looks_healthy(connection) -> bool:
    if connection.closed or connection.broken:
        return False
    if connection.info.transaction_status != TransactionStatus.IDLE:
        return False
    readable, _, _ = select.select([connection.fileno()], [], [], 0)
    return not readable
