"""When to try a delivery again, and when to stop.

The schedule is Standard Webhooks' (as Stripe's and Svix's): after the first attempt, again
after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h, each wait give or take 10 %;
the tenth failure is final, about three days after the first attempt.

- 2xx: delivered.
- 410 Gone: the subscriber asks us to stop; the subscription is disabled.
- Other 4xx, except 408, 409, 425 and 429: the request itself is wrong; no retry.
- 3xx (never followed), 5xx, 408, 409, 425, 429, no answer: retried. A `Retry-After` the
  subscriber sends (seconds or an HTTP date) replaces the wait when it is longer, up to a day.
"""

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import Enum

WAITS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(WAITS) + 1
JITTER = 0.10
LONGEST_RETRY_AFTER = timedelta(days=1)
RETRIED_CLIENT_ERRORS = {408, 409, 425, 429}


class Verdict(Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    GIVE_UP = "give_up"
    DISABLE = "disable"


def verdict(status: int | None) -> Verdict:
    """What an answer (None: no answer) means for the delivery."""
    if status is None:
        return Verdict.RETRY
    if 200 <= status < 300:
        return Verdict.DELIVERED
    if status == 410:
        return Verdict.DISABLE
    if 400 <= status < 500 and status not in RETRIED_CLIENT_ERRORS:
        return Verdict.GIVE_UP
    return Verdict.RETRY


def wait_after(
    attempts: int, *, retry_after: timedelta | None = None, rng=random
) -> timedelta | None:
    """How long to wait after the `attempts`-th failed attempt of a round; None: stop."""
    if attempts >= MAX_ATTEMPTS:
        return None
    planned = WAITS[attempts - 1] * rng.uniform(1 - JITTER, 1 + JITTER)
    if retry_after is not None:
        planned = max(planned, min(retry_after, LONGEST_RETRY_AFTER))
    return planned


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """Seconds or an HTTP date; None for anything else (a subscriber's header is not trusted to
    be well formed). Never more than a day."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        seconds = min(int(value), int(LONGEST_RETRY_AFTER.total_seconds()))
        return timedelta(seconds=seconds)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        return None
    return min(max(moment - now, timedelta(0)), LONGEST_RETRY_AFTER)
