"""One webhook request (webhooks/transport.py) against real local servers: the deadline holds
however slowly an answer comes, addresses that are not public are never connected to, and
whatever the URL or the answer, the outcome is an answer, RequestFailed or RequestRefused."""

import ipaddress
import socket
import threading
import time

import pytest

from webhooks import transport

BODY = b'{"triggerEvent": "PING"}'
HEADERS = {"Content-Type": "application/json"}


def post(url, *, timeout=5.0, allow_internal=True):
    return transport.post(
        url, BODY, HEADERS, timeout=timeout, read_limit=65536, allow_internal=allow_internal
    )


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.100.100.200", False),  # shared address space (a cloud's metadata service)
        ("0.0.0.0", False),
        ("255.255.255.255", False),
        ("224.0.0.1", False),
        ("198.18.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("2002:7f00:1::1", False),  # 6to4 around 127.0.0.1
        ("2002:808:808::1", True),  # 6to4 around 8.8.8.8
    ],
)
def test_which_addresses_are_public(address, public):
    assert transport.is_public(ipaddress.ip_address(address)) is public


class TricklingServer:
    """Accepts one connection, reads the request, then sends an answer one byte at a time."""

    def __init__(self, every=0.2):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.every = every
        threading.Thread(target=self.serve, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"

    def serve(self):
        connection, _ = self.listener.accept()
        connection.recv(65536)
        answer = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100 + b"\r\nContent-Length: 0\r\n\r\n"
        try:
            for byte in answer:
                connection.sendall(bytes([byte]))
                time.sleep(self.every)
        except OSError:
            pass  # the client gave up, as it should
        finally:
            connection.close()


def test_an_answer_trickling_in_still_ends_at_the_deadline():
    server = TricklingServer()

    with pytest.raises(transport.RequestFailed, match="No answer before the deadline"):
        post(server.url, timeout=1.0)


def test_a_path_and_query_are_sent_percent_encoded(receiver):
    answer = post(receiver.url("/hooks/ü?team=Zürich&x=a%20b"))

    assert answer.status == 200
    [request] = receiver.wait_for(1)
    assert request.path == "/hooks/%C3%BC?team=Z%C3%BCrich&x=a%20b"


def test_a_name_with_only_internal_addresses_is_never_connected_to(receiver):
    url = f"http://localhost:{receiver.port}/hook"

    with pytest.raises(transport.RequestRefused, match="localhost has no public address"):
        post(url, allow_internal=False)

    assert receiver.requests == []
    assert post(url, allow_internal=True).status == 200


def test_an_ip_literal_that_is_internal_is_refused(receiver):
    with pytest.raises(transport.RequestRefused, match="no public address"):
        post(receiver.url(), allow_internal=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://[2606:4700::abcd]/hook",  # no port: the default, not the last group
        "http://does-not-exist.invalid/hook",
        "http://127.0.0.1:9/hook",  # nothing listens (connection refused)
    ],
)
def test_an_unreachable_subscriber_is_a_request_failed(url):
    with pytest.raises(transport.RequestFailed):
        post(url, timeout=2.0)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "https://example.com/a b", "https://" + "a" * 64 + ".com/"],
)
def test_a_url_that_cannot_be_sent_to_is_refused(url):
    with pytest.raises(transport.RequestRefused):
        post(url)
