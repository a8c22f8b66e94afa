"""Connecting a host's calendars, choosing what they do, and disconnecting them: the one place
the API and the admin change connections through.

Connecting checks the account or feed at once (the calendars are discovered, or the feed is
read) and syncs it, so a mistake in the URL or the password is told to the person typing it.
"""

from django.conf import settings
from django.db import transaction

from calendars import caldav, credentials, merging, syncing
from calendars.errors import (
    CalendarNotFound,
    CalendarUnreachable,
    ConnectionNotFound,
    CredentialsRefused,
    InvalidCalendarUrl,
    ReadOnlyCalendar,
)
from calendars.models import BusyTime, Calendar, Connection
from webhooks import transport

# Where Apple's iCloud calendars are found (Cal.com's "apple" calendar).
ICLOUD_URL = "https://caldav.icloud.com/"


def check_url(url: str) -> str:
    """The URL to use (webcal:// read as https://), or InvalidCalendarUrl."""
    if url.startswith("webcal://"):
        url = "https://" + url.removeprefix("webcal://")
    problem = transport.url_problem(url)
    if problem:
        raise InvalidCalendarUrl(problem, details={"url": url})
    if not settings.CALENDAR_ALLOW_PRIVATE_NETWORKS and transport.literal_internal_host(url):
        raise InvalidCalendarUrl("The URL names an internal address.", details={"url": url})
    return url


def connect_caldav(user, url: str, username: str, password: str, *, now=None) -> Connection:
    url = check_url(url)
    client = caldav.Client(
        url,
        username,
        password,
        timeout=settings.CALENDAR_TIMEOUT_SECONDS,
        read_limit=settings.CALENDAR_MAX_BYTES,
        allow_internal=settings.CALENDAR_ALLOW_PRIVATE_NETWORKS,
    )
    try:
        found = client.discover()
    except caldav.AuthenticationFailed as error:
        raise CredentialsRefused(str(error)) from None
    except caldav.CalDAVError as error:
        raise CalendarUnreachable(str(error)) from None
    found = [calendar for calendar in found if len(calendar.url) <= 1000]
    if not found:
        raise CalendarUnreachable("No event calendar was found in this account.")
    with transaction.atomic():
        connection = Connection.objects.create(
            user=user,
            kind=Connection.Kind.CALDAV,
            url=url,
            username=username,
            encrypted_password=credentials.encrypt(password),
        )
        has_destination = Calendar.objects.filter(user=user, add_bookings=True).exists()
        for index, calendar in enumerate(found):
            Calendar.objects.create(
                connection=connection,
                user=user,
                url=calendar.url,
                name=calendar.name[:255],
                time_zone=syncing.valid_zone(calendar.time_zone),
                add_bookings=index == 0 and not has_destination,
            )
    syncing.sync(Connection.objects.select_related("user").get(pk=connection.pk), now=now)
    connection.refresh_from_db()
    return connection


def add_ics_feed(user, url: str, *, now=None) -> Connection:
    """A read-only feed; refused (and not kept) when it cannot be read as iCalendar."""
    url = check_url(url)
    with transaction.atomic():
        connection = Connection.objects.create(user=user, kind=Connection.Kind.ICS, url=url)
        Calendar.objects.create(connection=connection, user=user, url=url, name=url[:255])
    try:
        result = syncing.sync(
            Connection.objects.select_related("user").get(pk=connection.pk), now=now
        )
    except BaseException:
        disconnect(connection)
        raise
    if not result.ok:
        disconnect(connection)
        raise CalendarUnreachable(f"The feed could not be read: {result.error}")
    connection.refresh_from_db()
    return connection


def owned_connection(user, connection_id) -> Connection:
    connection = Connection.objects.filter(pk=connection_id, user=user).first()
    if connection is None:
        raise ConnectionNotFound(f"No calendar connection {connection_id} of yours.")
    return connection


def owned_calendar(user, connection_id, calendar_url: str) -> Calendar:
    calendar = Calendar.objects.filter(
        connection_id=connection_id, connection__user=user, url=calendar_url
    ).first()
    if calendar is None:
        raise CalendarNotFound(
            f"No calendar {calendar_url} in connection {connection_id} of yours.",
            details={"externalId": calendar_url, "credentialId": connection_id},
        )
    return calendar


def names_of_own_calendars(user, calendar_ids) -> list[str]:
    """The names of those of the calendars that are the user's own (a host may learn which of
    their calendars is in the way of a start; nobody else learns anything about them)."""
    if not calendar_ids or not user.is_authenticated:
        return []
    own = Calendar.objects.filter(pk__in=calendar_ids, user=user).order_by("name")
    return [calendar.name or calendar.url for calendar in own]


def set_check_conflicts(calendar: Calendar, check: bool) -> Calendar:
    """Whether the calendar's events block slots; switched on, it is read at the next sync."""
    with transaction.atomic():
        merging.lock(calendar.user_id)
        Calendar.objects.filter(pk=calendar.pk).update(
            check_conflicts=check, ctag="", synced_until=None
        )
        if not check:
            BusyTime.objects.filter(calendar=calendar).delete()
        merging.rebuild(calendar.user_id)
    calendar.refresh_from_db()
    return calendar


def choose_destination(calendar: Calendar) -> Calendar:
    """New bookings of the calendar's owner are written into it (and into no other)."""
    if calendar.connection.is_read_only:
        raise ReadOnlyCalendar("Bookings cannot be written into an ICS feed.")
    with transaction.atomic():
        Calendar.objects.filter(user_id=calendar.user_id, add_bookings=True).exclude(
            pk=calendar.pk
        ).update(add_bookings=False)
        Calendar.objects.filter(pk=calendar.pk).update(add_bookings=True)
    calendar.refresh_from_db()
    return calendar


def disconnect(connection: Connection) -> None:
    """The connection, its calendars and their busy times go; events already written stay."""
    with transaction.atomic():
        merging.lock(connection.user_id)
        connection.delete()
        merging.rebuild(connection.user_id)
