"""A host's own calendars: the connections to them (CalDAV accounts and ICS feeds), the
calendars found there, the busy times synced from them, and the events Rendezvous writes back.

Busy times are kept here as intervals so that the slot engine reads them in the same statement
as the bookings (bookings/slot_loader.py), whatever the calendar server is doing.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Connection(models.Model):
    """A CalDAV account or a published ICS feed of one host.

    The password (an app password) is stored encrypted (calendars/credentials.py) and never
    shown again."""

    class Kind(models.TextChoices):
        CALDAV = "caldav", "CalDAV account"
        ICS = "ics", "ICS feed (read only)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_connections"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    url = models.URLField(
        "URL", max_length=1000, help_text="CalDAV server or calendar URL, or feed URL"
    )
    username = models.CharField(max_length=255, blank=True)
    encrypted_password = models.TextField(blank=True, editable=False)
    # The last sync that succeeded, the last one tried, and what went wrong since.
    synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempted_at = models.DateTimeField(null=True, blank=True, editable=False)
    failures = models.PositiveIntegerField(default=0, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    # An ICS feed's validators, sent back so that an unchanged feed costs a 304.
    etag = models.CharField(max_length=255, blank=True, editable=False)
    last_modified = models.CharField(max_length=255, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["attempted_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.url}"

    @property
    def is_read_only(self) -> bool:
        return self.kind == self.Kind.ICS

    @property
    def integration(self) -> str:
        """Cal.com's name for the provider: apple_calendar (iCloud), caldav_calendar or
        ics-feed_calendar."""
        if self.kind == self.Kind.ICS:
            return "ics-feed_calendar"
        return "apple_calendar" if "icloud.com" in self.url else "caldav_calendar"


class Calendar(models.Model):
    """One calendar of a connection: whether its events block the host's slots, and whether
    bookings are written into it (at most one such calendar per host)."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="calendars")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_calendars"
    )
    url = models.CharField("URL", max_length=1000, help_text="The calendar collection's URL")
    name = models.CharField(max_length=255, blank=True)
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="All-day events are whole days here (else the host's)"
    )
    check_conflicts = models.BooleanField(
        default=True, help_text="Its events block the host's slots"
    )
    add_bookings = models.BooleanField(
        default=False, help_text="New bookings are written into this calendar"
    )
    # The server's version of the collection when its events were last read (CalDAV getctag),
    # and how far ahead they were read.
    ctag = models.CharField(max_length=255, blank=True, editable=False)
    synced_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["connection_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "url"], name="calendar_url_unique"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(add_bookings=True), name="one_destination_calendar"
            ),
        ]

    def __str__(self):
        return self.name or self.url


class BusyTime(models.Model):
    """An event instance read from a host's calendar (a recurring event gives one per
    occurrence). Transparent ones (free time, declined invitations) are kept but block nothing."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="busy_times")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    uid = models.CharField(max_length=255)
    start = models.DateTimeField()
    end = models.DateTimeField()
    transparent = models.BooleanField(default=False)

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["user", "start"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="busy_time_order"),
        ]

    def __str__(self):
        return f"{self.uid} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M} UTC"


class MergedBusyTimes(models.Model):
    """All of a user's blocking busy times from their calendars that check conflicts, merged
    and packed into one value (calendars/merging.py): the slot loader reads one row per host,
    not one per event. Rebuilt in the transaction that changes those busy times."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    intervals = models.BinaryField(default=b"")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "merged busy times"

    def __str__(self):
        return f"Busy times of user {self.user_id}"


class BookingReference(models.Model):
    """A booking's event in a host's calendar (Cal.com's booking reference): one per calendar
    event UID and calendar, following the booking through reschedules (same UID, higher
    SEQUENCE) and removed when it is cancelled."""

    class State(models.TextChoices):
        TO_WRITE = "to_write", "Waiting to be written"
        WRITTEN = "written", "Written"
        TO_REMOVE = "to_remove", "Waiting to be removed"
        REMOVED = "removed", "Removed"

    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.CASCADE, related_name="calendar_references"
    )
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="references")
    ics_uid = models.CharField(max_length=255)
    href = models.CharField(max_length=1000, blank=True)
    etag = models.CharField(max_length=255, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.TO_WRITE)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # While a worker writes or removes the event (a lease: after it, another may).
    pushing_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["ics_uid", "calendar"], name="reference_unique"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self):
        return f"{self.ics_uid} in {self.calendar}"


class HandledEvent(models.Model):
    """An outbox event whose calendar write-back is done; the sweep handles those without."""

    event_id = models.BigIntegerField(unique=True)
    handled_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Event {self.event_id}"
