"""gunicorn's settings for the web processes (`gunicorn config.wsgi`, the Procfile's `web`).

Environment: PORT (8000), WEB_CONCURRENCY (workers: one per CPU, at least 2),
FORWARDED_ALLOW_IPS (the proxies whose X-Forwarded-* gunicorn trusts; 127.0.0.1).
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# A request is mostly CPU: the database answers in well under a millisecond, and what calls
# other servers runs in the background (a stale calendar is refreshed within 2 seconds at most).
# One worker per CPU serves the most; more only contend for the CPUs (bench/api.py, 2 CPUs
# shared with PostgreSQL: 213 creates/s with 2 workers, 193 with 3, 170 with 5; slots 767
# requests/s with 2, 659 with 5). Raise it where the database is far away.
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
timeout = 30
graceful_timeout = 30
accesslog = "-"

# Requests beyond these limits get gunicorn's own HTML error page before Django sees them, so
# they are set above what the API takes. The request line is not limited here (0): the API
# bounds each query parameter itself and answers in JSON, and a query of long non-ASCII values,
# percent-encoded, passes gunicorn's largest limit (8190 bytes). The proxy in front (e.g.
# nginx's large_client_header_buffers) bounds it. Headers: up to 100, of 16 KB each.
limit_request_line = 0
limit_request_fields = 100
limit_request_field_size = 16380


def post_worker_init(worker):
    """Once the application is loaded: its long-lived objects (modules, models, URL patterns,
    the OpenAPI document) move out of the garbage collector's reach, so that the collections
    a busy request triggers scan only what the request made; and the youngest generation is
    collected after 5,000 new objects instead of 700: a month of slots makes a few thousand,
    so about one collection per request instead of several, and none of them longer
    (bench/api.py A: median 3.1 instead of 3.3 ms, p95 3.7 instead of 4.2 ms)."""
    import gc

    gc.freeze()
    gc.set_threshold(5_000, 10, 10)
