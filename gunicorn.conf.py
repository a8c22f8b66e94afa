"""gunicorn's settings for the web processes (`gunicorn config.wsgi`, the Procfile's `web`).

Environment: PORT (8000), WEB_CONCURRENCY (workers, 2 per core + 1), FORWARDED_ALLOW_IPS
(the proxies whose X-Forwarded-* gunicorn trusts; 127.0.0.1).
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
timeout = 30
graceful_timeout = 30
accesslog = "-"

# Requests larger than these get gunicorn's own short error page before Django sees them, so
# they are set well above what the API takes: the longest request line gunicorn allows (long
# query strings, e.g. many eventTypeIds), and headers up to 16 KB each (long cookies, tokens).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 16380
