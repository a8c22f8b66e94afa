"""How often one client may call: counted per minute in the shared cache (Redis in deployment,
so that every web process counts together; local memory in the embedded setup, one process).

A client is an API key, a signed-in user, or an address: REMOTE_ADDR, or behind proxies
(NUM_PROXIES > 0, the request coming from a private or loopback address) the address the
nearest of them saw, from X-Forwarded-For.
"""

import ipaddress
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger("accounts")

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Budget:
    limit: int
    used: int
    reset: int  # seconds until the window ends and the count starts again

    @property
    def allowed(self) -> bool:
        return self.used <= self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


def spend(bucket: str, limit: int) -> Budget:
    """Count one call in `bucket`. If the cache cannot count (Redis down), the call is let
    through: a limit must not turn an outage into refusals."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    reset = int(WINDOW_SECONDS - now % WINDOW_SECONDS) + 1
    key = f"rate:{bucket}:{window}"
    try:
        cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
            used = 1
    except Exception as error:  # the cache's own errors differ by backend
        logger.warning("Rate limit not counted (%s): %s", bucket, error)
        used = 0
    return Budget(limit=limit, used=used, reset=reset)


def client_address(request) -> str:
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    remote = request.META.get("REMOTE_ADDR", "")
    if proxies and forwarded and _is_internal(remote):
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return remote


def _is_internal(address: str) -> bool:
    """A proxy of ours is on this machine or the private network; a request from anywhere else
    came straight to the service, and its X-Forwarded-For is whatever the client wrote."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return parsed.is_private or parsed.is_loopback
