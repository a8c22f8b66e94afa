"""How many booking forms one client address may send in a minute, counted in the shared cache
(Redis in deployment) so that every web process sees the same count."""

import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def allow(request, action: str) -> tuple[bool, int]:
    """(allowed, seconds until the window ends) for one more `action` by this address."""
    limit = settings.PAGES_POSTS_PER_MINUTE
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"pages:{action}:{client_address(request)}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    retry_after = int(WINDOW_SECONDS - now % WINDOW_SECONDS) + 1
    return count <= limit, retry_after
