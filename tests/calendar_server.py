"""A real CalDAV server for the tests: Radicale, started on a free port with its own storage
and one user, and stopped (or restarted on the same port) when a test asks.

`put_event`, `delete_event` and `get_event` talk to it directly over HTTP, as another calendar
client would, so the tests see the server's side of what Rendezvous read or wrote.
"""

import base64
import http.client
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.ports import free_port

USER, PASSWORD = "alice", "app-password-1"


class CalendarServer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        (folder / "users").write_text(f"{USER}:{PASSWORD}\n")
        (folder / "config").write_text(
            "[server]\n"
            f"hosts = 127.0.0.1:{self.port}\n"
            "[auth]\n"
            "type = htpasswd\n"
            f"htpasswd_filename = {folder / 'users'}\n"
            "htpasswd_encryption = plain\n"
            "[rights]\n"
            "type = owner_only\n"
            "[storage]\n"
            f"filesystem_folder = {folder / 'collections'}\n"
            "[logging]\n"
            "level = warning\n"
        )
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def calendar_url(self, name: str) -> str:
        return f"{self.url}{USER}/{name}/"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(self.folder / "config")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("Radicale did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    # --- Another client's requests ---------------------------------------------------------

    def request(self, method, url, body=b"", headers=None):
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        connection.request(
            method,
            parts.path,
            body=body,
            headers={"Authorization": f"Basic {token}", **(headers or {})},
        )
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, data

    def make_calendar(self, name: str, display_name: str) -> str:
        url = self.calendar_url(name)
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            f"<D:set><D:prop><D:displayname>{display_name}</D:displayname></D:prop></D:set>"
            "</C:mkcalendar>"
        ).encode()
        status, data = self.request("MKCALENDAR", url, body, {"Content-Type": "application/xml"})
        assert status == 201, (status, data)
        return url

    def put_event(self, calendar_url: str, uid: str, vevent: str) -> None:
        body = (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//EN\r\n"
            f"{vevent.strip()}\r\nEND:VCALENDAR\r\n"
        )
        status, data = self.request(
            "PUT", f"{calendar_url}{uid}.ics", body.encode(), {"Content-Type": "text/calendar"}
        )
        assert status in (201, 204), (status, data)

    def delete_event(self, calendar_url: str, uid: str) -> None:
        status, _ = self.request("DELETE", f"{calendar_url}{uid}.ics")
        assert status in (200, 204), status

    def get(self, url: str) -> tuple[int, bytes]:
        return self.request("GET", url)
