"""A small CalDAV client (RFC 4791) over the outbound transport the webhooks use: a deadline
per request, no private addresses unless allowed, a cap on what is read.

Only what Rendezvous needs: find the account's calendars, tell whether a calendar changed
(its getctag), read its events in a time range, and write or remove one event.
"""

import base64
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urljoin, urlsplit

from webhooks import transport

DAV, CALDAV, CS = "DAV:", "urn:ietf:params:xml:ns:caldav", "http://calendarserver.org/ns/"
ET.register_namespace("d", DAV)
ET.register_namespace("c", CALDAV)
ET.register_namespace("cs", CS)
MAX_REDIRECTS = 3


class CalDAVError(Exception):
    """The server could not be reached, refused, or answered something unusable."""


class AuthenticationFailed(CalDAVError):
    pass


@dataclass(frozen=True)
class FoundCalendar:
    url: str
    name: str
    ctag: str
    time_zone: str  # the calendar's TZID, when it says


def _tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _propfind_body(*props: tuple[str, str]) -> bytes:
    root = ET.Element(_tag(DAV, "propfind"))
    prop = ET.SubElement(root, _tag(DAV, "prop"))
    for namespace, name in props:
        ET.SubElement(prop, _tag(namespace, name))
    return ET.tostring(root, xml_declaration=True, encoding="utf-8")


class Client:
    """timeout: seconds each request may take; deadline (time.monotonic()): when every request
    of this client must be done by, however many a sync makes."""

    def __init__(
        self,
        url,
        username,
        password,
        *,
        timeout,
        read_limit,
        allow_internal=False,
        deadline: float | None = None,
    ):
        self.url = url
        self.timeout, self.read_limit, self.allow_internal = timeout, read_limit, allow_internal
        self.deadline = deadline
        self.auth = None  # a public feed needs none
        if username or password:
            token = base64.b64encode(f"{username}:{password}".encode()).decode()
            self.auth = f"Basic {token}"

    # --- Requests ---------------------------------------------------------------------------

    def request(self, method, url, body=None, headers=None, *, expect=(200, 207)):
        """The answer to `method` on `url`, following a few redirects. Nothing is sent over
        plain http once the account's URL is https (a redirect or an href naming http)."""
        for _ in range(MAX_REDIRECTS + 1):
            if urlsplit(self.url).scheme == "https" and urlsplit(url).scheme != "https":
                raise CalDAVError("The server pointed to an address that is not https.")
            sent = {"User-Agent": "Rendezvous-Calendars", **(headers or {})}
            if self.auth:
                sent["Authorization"] = self.auth
            if body is not None:
                sent.setdefault("Content-Type", "application/xml; charset=utf-8")
            timeout = self.timeout
            if self.deadline is not None:
                timeout = min(timeout, self.deadline - time.monotonic())
                if timeout <= 0:
                    raise CalDAVError("No answer before the deadline.")
            try:
                answer = transport.send(
                    method,
                    url,
                    body,
                    sent,
                    timeout=timeout,
                    read_limit=self.read_limit,
                    allow_internal=self.allow_internal,
                )
            except (transport.RequestRefused, transport.RequestFailed) as error:
                raise CalDAVError(str(error)) from None
            if answer.status in (301, 302, 307, 308) and "location" in answer.headers:
                url = urljoin(url, answer.headers["location"])
                continue
            if answer.status == 401:
                raise AuthenticationFailed("The server refused the user name or password.")
            if answer.status not in expect:
                raise CalDAVError(f"{method} {urlsplit(url).path} answered {answer.status}.")
            if answer.truncated:
                raise CalDAVError(f"The answer to {method} is larger than the allowed size.")
            return answer, url
        raise CalDAVError("Too many redirects.")

    def _multistatus(self, method, url, body, depth):
        answer, url = self.request(method, url, body, {"Depth": str(depth)}, expect=(207,))
        try:
            root = ET.fromstring(answer.body)
        except ET.ParseError as error:
            raise CalDAVError(f"The server's answer is not XML: {error}") from None
        responses = []
        for response in root.iter(_tag(DAV, "response")):
            href = response.findtext(_tag(DAV, "href"), default="").strip()
            props = {}
            for propstat in response.iter(_tag(DAV, "propstat")):
                status = propstat.findtext(_tag(DAV, "status"), default="")
                if " 200" not in status:
                    continue
                found = propstat.find(_tag(DAV, "prop"))
                for prop in found if found is not None else ():
                    props[prop.tag] = prop
            responses.append((urljoin(url, href), props))
        return responses, url

    # --- Calendars --------------------------------------------------------------------------

    def discover(self) -> list[FoundCalendar]:
        """The account's event calendars: the URL may be the server, the principal, the
        calendar home or one calendar."""
        own = self._calendars_at(self.url, depth=0)
        if own:
            return own
        found, url = self._multistatus(
            "PROPFIND",
            self.url,
            _propfind_body((DAV, "current-user-principal"), (CALDAV, "calendar-home-set")),
            0,
        )
        props = found[0][1] if found else {}
        home = _href_in(props.get(_tag(CALDAV, "calendar-home-set")), url)
        if home is None:
            principal = _href_in(props.get(_tag(DAV, "current-user-principal")), url)
            if principal is None:
                raise CalDAVError("No CalDAV principal found at this URL.")
            found, principal_url = self._multistatus(
                "PROPFIND", principal, _propfind_body((CALDAV, "calendar-home-set")), 0
            )
            props = found[0][1] if found else {}
            home = _href_in(props.get(_tag(CALDAV, "calendar-home-set")), principal_url)
            if home is None:
                raise CalDAVError("The account has no calendar home.")
        return self._calendars_at(home, depth=1)

    def _calendars_at(self, url, depth) -> list[FoundCalendar]:
        body = _propfind_body(
            (DAV, "resourcetype"),
            (DAV, "displayname"),
            (CS, "getctag"),
            (CALDAV, "supported-calendar-component-set"),
            (CALDAV, "calendar-timezone"),
        )
        responses, _ = self._multistatus("PROPFIND", url, body, depth)
        calendars = []
        for href, props in responses:
            kind = props.get(_tag(DAV, "resourcetype"))
            if kind is None or kind.find(_tag(CALDAV, "calendar")) is None:
                continue
            components = props.get(_tag(CALDAV, "supported-calendar-component-set"))
            if components is not None and len(components):
                names = {c.get("name") for c in components}
                if "VEVENT" not in names:
                    continue
            calendars.append(
                FoundCalendar(
                    url=href,
                    name=_text(props.get(_tag(DAV, "displayname"))),
                    ctag=_text(props.get(_tag(CS, "getctag"))),
                    time_zone=_tzid(_text(props.get(_tag(CALDAV, "calendar-timezone")))),
                )
            )
        return calendars

    def ctag(self, calendar_url) -> str:
        responses, _ = self._multistatus(
            "PROPFIND", calendar_url, _propfind_body((CS, "getctag")), 0
        )
        return _text(responses[0][1].get(_tag(CS, "getctag"))) if responses else ""

    # --- Events -----------------------------------------------------------------------------

    def events(self, calendar_url, start: datetime, end: datetime) -> list[bytes]:
        """The iCalendar data of every event with an instance in [start, end)."""
        root = ET.Element(_tag(CALDAV, "calendar-query"))
        prop = ET.SubElement(root, _tag(DAV, "prop"))
        ET.SubElement(prop, _tag(DAV, "getetag"))
        ET.SubElement(prop, _tag(CALDAV, "calendar-data"))
        calendar_filter = ET.SubElement(
            ET.SubElement(root, _tag(CALDAV, "filter")),
            _tag(CALDAV, "comp-filter"),
            name="VCALENDAR",
        )
        event_filter = ET.SubElement(calendar_filter, _tag(CALDAV, "comp-filter"), name="VEVENT")
        ET.SubElement(
            event_filter, _tag(CALDAV, "time-range"), start=_utc_text(start), end=_utc_text(end)
        )
        body = ET.tostring(root, xml_declaration=True, encoding="utf-8")
        responses, _ = self._multistatus("REPORT", calendar_url, body, 1)
        return [
            props[_tag(CALDAV, "calendar-data")].text.encode()
            for _, props in responses
            if props.get(_tag(CALDAV, "calendar-data")) is not None
            and props[_tag(CALDAV, "calendar-data")].text
        ]

    def put_event(self, calendar_url, uid, data: bytes, *, href: str = "") -> tuple[str, str]:
        """Create or replace the event; (its URL, its new ETag or "")."""
        href = href or event_url(calendar_url, uid)
        answer, _ = self.request(
            "PUT",
            href,
            data,
            {"Content-Type": "text/calendar; charset=utf-8"},
            expect=(200, 201, 204),
        )
        return href, answer.headers.get("etag", "")

    def delete_event(self, href) -> None:
        """Remove the event; one already gone is fine."""
        self.request("DELETE", href, expect=(200, 204, 404, 410))


def event_url(calendar_url: str, uid: str) -> str:
    """Where an event of that UID is written in the calendar."""
    return urljoin(calendar_url.rstrip("/") + "/", quote(uid, safe="") + ".ics")


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def _href_in(element, base) -> str | None:
    if element is None:
        return None
    href = element.findtext(_tag(DAV, "href"))
    return urljoin(base, href.strip()) if href else None


def _tzid(vtimezone: str) -> str:
    for line in vtimezone.splitlines():
        if line.upper().startswith("TZID:"):
            return line[5:].strip()
    return ""


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
