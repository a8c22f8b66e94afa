"""How many booking forms one client address may send in a minute (PAGES_POSTS_PER_MINUTE),
counted with every web process (accounts/rate_limits.py)."""

from django.conf import settings

from accounts.rate_limits import client_address, spend


def allow(request, action: str) -> tuple[bool, int]:
    """(allowed, seconds until the window ends) for one more `action` by this address."""
    budget = spend(f"pages:{action}:{client_address(request)}", settings.PAGES_POSTS_PER_MINUTE)
    return budget.allowed, budget.reset
