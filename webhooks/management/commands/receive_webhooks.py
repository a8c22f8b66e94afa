"""A webhook receiver on this machine, to watch a host's webhooks while trying Rendezvous.

    make webhooks            # manage.py receive_webhooks: for the demo host, on port 8001

It subscribes the host to every trigger at http://127.0.0.1:<port>/ (or turns that subscription
back on), prints each delivery with its trigger and whether its signature is valid, and turns
the subscription off again when stopped, so that nothing piles up while nobody listens.
Delivering to 127.0.0.1 needs WEBHOOKS_ALLOW_PRIVATE_NETWORKS (on with DEBUG, as in make run).
"""

import hmac
import json
import signal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from webhooks.models import Subscription, Trigger
from webhooks.signing import calcom_signature
from webhooks.subscriptions import create_subscription, update_subscription

MAX_BODY = 1024 * 1024
DEFAULT_PORT = 8001


def receiver(port: int, secret: str, write) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1:port that answers 200 and writes one line per delivery."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
            body = self.rfile.read(length)
            expected = calcom_signature(secret, body)
            valid = hmac.compare_digest(expected, self.headers.get("X-Cal-Signature-256", ""))
            try:
                data = json.loads(body)
            except ValueError:
                data = {}
            payload = data.get("payload") or {}
            write(
                f"{data.get('triggerEvent', '?'):<24} {payload.get('title', '')} "
                f"[{payload.get('uid', '')}] signature {'valid' if valid else 'INVALID'} "
                f"({self.headers.get('webhook-id', '')})"
            )
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


class Command(BaseCommand):
    help = "Receive a host's webhooks on a local port and print them (to try webhooks out)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=DEFAULT_PORT)
        parser.add_argument("--user", default="demo", help="The host whose webhooks to receive.")

    def handle(self, *args, port, user, **options):
        host = get_user_model().objects.filter(username=user).first()
        if host is None:
            raise CommandError(f"There is no user '{user}'.")
        subscription = subscribe(host, f"http://127.0.0.1:{port}/")
        try:
            server = receiver(port, subscription.secret, self.stdout.write)
        except OSError as error:
            update_subscription(subscription, active=False)
            raise CommandError(f"Port {port} is taken ({error}); try --port.") from None
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(
            f"Receiving {user}'s webhooks on {subscription.subscriber_url} "
            "(book on a booking page to see one; Ctrl-C stops)."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            update_subscription(subscription, active=False)
            self.stdout.write("Stopped; the subscription is paused until the next start.")


def stop(*_):
    """SIGTERM ends serving as Ctrl-C does (shutdown() would wait on this very thread)."""
    raise KeyboardInterrupt


def subscribe(host, url: str) -> Subscription:
    subscription = Subscription.objects.filter(user=host, subscriber_url=url).first()
    if subscription is None:
        return create_subscription(
            user=host,
            subscriber_url=url,
            triggers=[t.value for t in Trigger if t != Trigger.PING],
        )
    if not subscription.active:
        return update_subscription(subscription, active=True)
    return subscription
