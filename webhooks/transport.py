"""Sending one webhook request: POST, a deadline, no redirects, public addresses only.

- Only `http` and `https` URLs.
- The whole exchange (connecting, sending, reading the answer) has one deadline.
- A redirect is an answer like any other: it is never followed.
- At most `read_limit` bytes of the answer are read.
- Unless private networks are allowed, the address actually connected to must be public:
  loopback, private, link-local, multicast, reserved and unspecified addresses are refused
  after the TCP connection is made and before a byte is sent, so a name that resolves to an
  internal address (or starts to) cannot be used to reach one.
"""

import http.client
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


class RequestRefused(Exception):
    """The request was not sent and will not be: the URL or its address is not allowed."""


class RequestFailed(Exception):
    """The request was sent, or tried, without an answer: a network error or the deadline."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def url_problem(url: str) -> str | None:
    """What is wrong with a subscriber URL before anything is resolved, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return "Not a valid URL."
    if parts.scheme not in ("http", "https"):
        return "Only http and https URLs can receive webhooks."
    if not parts.hostname:
        return "The URL has no host."
    if parts.username or parts.password:
        return "The URL cannot carry a user name or password."
    return None


def literal_internal_host(url: str) -> bool:
    """The URL names an internal address outright (an IP literal or localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return is_internal(ipaddress.ip_address(host))
    except ValueError:
        return False


class _CheckedConnection(http.client.HTTPConnection):
    allow_internal = False

    def connect(self):
        super().connect()
        peer = ipaddress.ip_address(self.sock.getpeername()[0].split("%")[0])
        if not self.allow_internal and is_internal(peer):
            self.sock.close()
            raise RequestRefused(f"{peer} is not a public address.")


class _CheckedHTTPSConnection(http.client.HTTPSConnection, _CheckedConnection):
    """HTTPSConnection.connect() calls the checked TCP connect, then starts TLS."""


def post(
    url: str,
    body: bytes,
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
    connection_class = _CheckedHTTPSConnection if parts.scheme == "https" else _CheckedConnection
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    connection.allow_internal = allow_internal
    deadline = time.monotonic() + timeout
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.connect()
        _shorten_timeout(connection, deadline)
        connection.request("POST", target, body=body, headers=headers)
        _shorten_timeout(connection, deadline)
        response = connection.getresponse()
        answer_headers = {name.lower(): value for name, value in response.getheaders()}
        chunks, size = [], 0
        while size < read_limit:
            _shorten_timeout(connection, deadline)
            chunk = response.read1(min(65536, read_limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return Answer(response.status, answer_headers, b"".join(chunks))
    except RequestRefused:
        raise
    except (OSError, http.client.HTTPException) as error:
        raise RequestFailed(_describe(error)) from error
    finally:
        connection.close()


def _shorten_timeout(connection, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("timed out")
    if connection.sock is not None:
        connection.sock.settimeout(remaining)


def _describe(error: Exception) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return "No answer before the deadline."
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused."
    if isinstance(error, socket.gaierror):
        return "The host name does not resolve."
    return f"{type(error).__name__}: {error}"[:300]
