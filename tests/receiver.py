"""A real HTTP server on 127.0.0.1 standing in for a webhook subscriber.

It records every request as it arrived (path, headers, the raw body bytes) and answers with
what the test queued for that path, or for any path (status, headers, body, delay), or with
`default` (200) once nothing is queued.
"""

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0


class Receiver:
    def __init__(self):
        self.requests: list[Received] = []
        self.answers: deque[Answer] = deque()
        self.answers_for: dict[str, deque[Answer]] = {}
        self.default = Answer()
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver.lock:
                    receiver.requests.append(Received(self.path, headers, body, time.time()))
                    answer = receiver.next_answer(self.path)
                    receiver.arrived.notify_all()
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except OSError:
                    pass  # the sender gave up (a deadline in the test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, *answers: Answer, path: str | None = None) -> None:
        with self.lock:
            queue = self.answers if path is None else self.answers_for.setdefault(path, deque())
            queue.extend(answers)

    def next_answer(self, path: str) -> Answer:
        for queue in (self.answers_for.get(path), self.answers):
            if queue:
                return queue.popleft()
        return self.default

    def message_ids(self) -> set[str]:
        with self.lock:
            return {request.headers["webhook-id"] for request in self.requests}

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The first `count` requests, waiting up to `timeout` seconds for them."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{len(self.requests)} of {count} requests arrived in {timeout} s"
                    )
                self.arrived.wait(remaining)
            return list(self.requests[:count])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
