"""A real SMTP server on a free local port that keeps what it receives, for tests that send
email the way a deployment does."""

import asyncio
import email
import email.policy
import socket
import threading
from email.message import Message

from aiosmtpd.controller import Controller


class _Keeper:
    def __init__(self, delay: float):
        self.received: list[tuple[str, list[str], Message]] = []
        self.lock = threading.Lock()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpSink:
    """delay: seconds the server takes to accept each message (a slow mail server)."""

    def __init__(self, delay: float = 0):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.keeper = _Keeper(delay)
        self.controller = Controller(self.keeper, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def received(self):
        with self.keeper.lock:
            return list(self.keeper.received)

    def to(self, address: str) -> list[Message]:
        return [message for _, rcpts, message in self.received if address in rcpts]

    def clear(self):
        with self.keeper.lock:
            self.keeper.received.clear()
