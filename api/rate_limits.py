"""Rate limits of the API: API_CALLS_PER_MINUTE per API key (or signed-in user), and
API_ANONYMOUS_CALLS_PER_MINUTE per address for calls without a key (public slots, reservations
and bookings; a wrong key counts there too). Every answer tells the budget in Cal.com's headers
X-RateLimit-Limit, -Remaining and -Reset (seconds); past it, a 429 with Retry-After."""

from django.conf import settings
from rest_framework import exceptions

from accounts.models import ApiKey
from accounts.rate_limits import Budget, client_address, spend


class RateLimited(exceptions.Throttled):
    error_code = "rate_limited"

    def __init__(self, budget: Budget):
        super().__init__(
            wait=budget.reset,
            detail=f"Too many requests: at most {budget.limit} a minute. "
            f"Try again in {budget.reset} seconds.",
        )


def charge(request) -> Budget:
    """Count this request against its client's budget; RateLimited when it is spent. Reads the
    caller's identity (authenticating the request): a refused key is charged to its address."""
    try:
        user, key = request.user, request.auth
    except exceptions.AuthenticationFailed:
        anonymous(request)
        raise
    if isinstance(key, ApiKey):
        return checked(request, spend(f"api:key:{key.pk}", settings.API_CALLS_PER_MINUTE))
    if user.is_authenticated:
        return checked(request, spend(f"api:user:{user.pk}", settings.API_CALLS_PER_MINUTE))
    return anonymous(request)


def anonymous(request) -> Budget:
    limit = settings.API_ANONYMOUS_CALLS_PER_MINUTE
    return checked(request, spend(f"api:address:{client_address(request)}", limit))


def checked(request, budget: Budget) -> Budget:
    request.rate_budget = budget
    if not budget.allowed:
        raise RateLimited(budget)
    return budget


def headers(budget: Budget) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(budget.limit),
        "X-RateLimit-Remaining": str(budget.remaining),
        "X-RateLimit-Reset": str(budget.reset),
    }
