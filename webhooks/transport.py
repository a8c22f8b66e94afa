"""Sending one outbound request (a webhook's POST, a calendar server's PROPFIND, REPORT, GET,
PUT or DELETE): a deadline, no redirects, public addresses only.

- Only `http` and `https` URLs.
- One deadline for the whole exchange: resolving the name, connecting, sending and reading
  the answer. When it passes, the connection is shut, however slowly the other side trickles.
- A redirect is an answer like any other: it is never followed.
- At most `read_limit` bytes of the answer are read.
- Unless private networks are allowed, the name is resolved first and only public addresses
  are connected to (never loopback, private, link-local, shared, multicast, reserved or
  unspecified ones, nor IPv6 addresses wrapping such an IPv4 address); the address actually
  connected to is checked again before a byte is sent. Nothing is connected to otherwise, so an
  internal address cannot be probed through a webhook.
"""

import contextlib
import http.client
import ipaddress
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as ResolveTimeout
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

# Name lookups run here so that a slow resolver cannot outlast the deadline.
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")
# What stays as it is when a path or query is sent (everything else is percent-encoded).
_URL_SAFE = "/%:@!$&'()*+,;=-._~?"


class RequestRefused(Exception):
    """The request was not sent and will not be: the URL or its address is not allowed."""


class RequestFailed(Exception):
    """The request was sent, or tried, without an answer: a network error or the deadline."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool = False  # the answer was longer than read_limit


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
        if any(inner is not None and not is_public(inner) for inner in embedded):
            return False
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def url_problem(url: str) -> str | None:
    """What is wrong with a subscriber URL before anything is resolved, or None."""
    if any(character.isspace() or ord(character) < 32 for character in url):
        return "The URL cannot contain spaces or control characters."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return "Not a valid URL."
    if parts.scheme not in ("http", "https"):
        return "Only http and https URLs are allowed."
    if not parts.hostname:
        return "The URL has no host."
    if parts.username or parts.password:
        return "The URL cannot carry a user name or password."
    try:
        parts.hostname.encode("idna")
    except UnicodeError:
        return "The host name is not valid."
    return None


def literal_internal_host(url: str) -> bool:
    """The URL names an internal address outright (an IP literal or localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not is_public(ipaddress.ip_address(host))
    except ValueError:
        return False


class _PinnedConnection(http.client.HTTPConnection):
    """Connects to one of `addresses` (resolved and checked beforehand), never to whatever the
    name resolves to by then, and checks the peer once more."""

    addresses: list = []
    allow_internal = False

    def connect(self):
        error = None
        for address in self.addresses:
            try:
                self.sock = socket.create_connection((address, self.port), self.timeout)
                break
            except OSError as failure:
                error = failure
        else:
            raise error or OSError("No address to connect to.")
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = ipaddress.ip_address(self.sock.getpeername()[0].split("%")[0])
        if not self.allow_internal and not is_public(peer):
            self.sock.close()
            raise RequestRefused(f"{peer} is not a public address.")


class _PinnedHTTPSConnection(http.client.HTTPSConnection, _PinnedConnection):
    """HTTPSConnection.connect() calls the pinned TCP connect, then starts TLS with the URL's
    host name (its certificate and SNI)."""


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    read_limit: int,
    allow_internal: bool = False,
) -> Answer:
    return send(
        "POST",
        url,
        body,
        headers,
        timeout=timeout,
        read_limit=read_limit,
        allow_internal=allow_internal,
    )


def send(
    method: str,
    url: str,
    body: bytes | None,
    headers: dict[str, str],
    *,
    timeout: float,
    read_limit: int,
    allow_internal: bool = False,
) -> Answer:
    problem = url_problem(url)
    if problem:
        raise RequestRefused(problem)
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    deadline = time.monotonic() + timeout
    addresses = _resolve(parts.hostname, port, deadline)
    if not allow_internal:
        addresses = [a for a in addresses if is_public(ipaddress.ip_address(a))]
        if not addresses:
            raise RequestRefused(f"{parts.hostname} has no public address.")
    connection_class = _PinnedHTTPSConnection if https else _PinnedConnection
    connection = connection_class(parts.hostname, port, timeout=_remaining(deadline))
    connection.addresses, connection.allow_internal = addresses, allow_internal
    target = quote(parts.path or "/", safe=_URL_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_URL_SAFE)
    # The watchdog shuts the connection at the deadline, whatever call is waiting on it.
    watchdog = threading.Timer(_remaining(deadline), _shut, args=(connection,))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        answer_headers = {name.lower(): value for name, value in response.getheaders()}
        chunks, size = [], 0
        while size < read_limit:
            chunk = response.read1(min(65536, read_limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        truncated = size >= read_limit and bool(response.read1(1))
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out")
        return Answer(response.status, answer_headers, b"".join(chunks), truncated)
    except RequestRefused:
        raise
    except (OSError, http.client.HTTPException, ValueError) as error:
        if time.monotonic() >= deadline:
            raise RequestFailed("No answer before the deadline.") from error
        raise RequestFailed(_describe(error)) from error
    finally:
        watchdog.cancel()
        connection.close()


def _resolve(host: str, port: int, deadline: float) -> list[str]:
    try:
        host = host.encode("idna").decode()
        found = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        records = found.result(timeout=_remaining(deadline))
    except ResolveTimeout:
        raise RequestFailed("The host name did not resolve before the deadline.") from None
    except (OSError, UnicodeError):
        raise RequestFailed("The host name does not resolve.") from None
    return list(dict.fromkeys(record[4][0] for record in records))


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise RequestFailed("No answer before the deadline.")
    return remaining


def _shut(connection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


def _describe(error: Exception) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return "No answer before the deadline."
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused."
    return f"{type(error).__name__}: {error}"[:300]
