"""The demo host's personal calendar as a published ICS feed, served by Rendezvous itself from
a file (calendars/demo/busy.ics), so that `make run` shows slots blocked by a host's own
calendar without any outside server. Sent with an ETag, as real feeds are."""

import hashlib

from django.http import HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

from calendars.demo_feed import demo_feed_bytes


@require_GET
def demo_feed(request):
    body = demo_feed_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["ETag"] = etag
    return response
