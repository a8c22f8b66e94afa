"""gunicorn's settings for the web processes (`gunicorn config.wsgi`, the Procfile's `web`).

Environment: PORT (8000), WEB_CONCURRENCY (workers, 2 per CPU + 1),
FORWARDED_ALLOW_IPS (the proxies whose X-Forwarded-* gunicorn trusts; 127.0.0.1).
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Two per CPU and one: a request that waits (a stale calendar refreshed within 2 seconds, a
# booking waiting up to 3 seconds for a lock) leaves others to serve. Where the database shares
# the CPUs and requests are mostly CPU, fewer serve more: WEB_CONCURRENCY=2 on 2 CPUs made
# 213 creates/s against 170 with 5, and 767 slots requests/s against 659 (bench/api.py).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
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
