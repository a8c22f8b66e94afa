"""A throwaway database for benchmarks: the configured one's test copy, created and dropped."""

import os
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_ready():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Measured as deployed: DEBUG off (no query log), which needs some secret key.
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret")
    os.environ.setdefault("API_CALLS_PER_MINUTE", "100000000")
    os.environ.setdefault("API_ANONYMOUS_CALLS_PER_MINUTE", "100000000")
    import django

    django.setup()


@contextmanager
def scratch_database():
    """Create `test_<name>` (never touching the real database), migrate it, drop it after."""
    from django.db import connection

    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield name
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def describe_database():
    from django.db import connection

    return f"{connection.vendor} ({connection.settings_dict['ENGINE'].rsplit('.', 1)[-1]})"
