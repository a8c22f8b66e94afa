"""Finding event types and bookings the way Cal.com's API names them."""

import uuid

from accounts.models import Team, User
from bookings import slot_loader
from bookings.errors import BookingNotFound, InvalidInput
from bookings.models import Attendee, Booking, RecurringSeries
from eventtypes.errors import EventTypeNotFound
from eventtypes.models import EventType


def find_event_type(
    *,
    event_type_id=None,
    slug=None,
    username=None,
    team_slug=None,
    organization_slug=None,
    with_people: bool = True,
    with_row_version: bool = False,
) -> EventType:
    """By id, or by slug with the owner's username or the team's slug (optionally in an org).

    with_people: its owner and team come with it (False where only their ids are used: the
    join costs more than the rest of the lookup).
    with_row_version: it carries its row's version as `row_version` (PostgreSQL)."""
    events = EventType.objects.select_related("owner", "team") if with_people else EventType.objects
    if with_row_version:
        events = slot_loader.with_row_version(events)
    if event_type_id is not None:
        try:
            event_type = events.get(pk=event_type_id)
        except EventType.DoesNotExist:
            raise EventTypeNotFound(f"Event type with id {event_type_id} not found.") from None
        if slug and event_type.slug != slug:
            raise InvalidInput(
                f"Event type {event_type_id} has the slug '{event_type.slug}', not '{slug}'."
            )
        return event_type
    if not slug or not (username or team_slug) or (username and team_slug):
        raise InvalidInput(
            "Name the event type by eventTypeId, or by eventTypeSlug with username or teamSlug.",
            details={"fields": ["eventTypeId", "eventTypeSlug", "username", "teamSlug"]},
        )
    within = f" within organization {organization_slug}" if organization_slug else ""
    if username:
        owners = User.objects.filter(username=username)
        if organization_slug:
            owners = owners.filter(organization__slug=organization_slug)
        event_type = events.filter(owner__in=owners, slug=slug).first()
        if event_type is None:
            raise EventTypeNotFound(
                f"Event type with slug {slug} belonging to user {username}{within} not found."
            )
        return event_type
    teams = Team.objects.filter(slug=team_slug)
    teams = (
        teams.filter(organization__slug=organization_slug)
        if organization_slug
        else teams.filter(organization__isnull=True)
    )
    event_type = events.filter(team__in=teams, slug=slug).first()
    if event_type is None:
        raise EventTypeNotFound(
            f"Event type with slug {slug} belonging to team {team_slug}{within} not found."
        )
    return event_type


def find_booking(uid: str, queryset=None) -> Booking:
    booking = (queryset if queryset is not None else Booking.objects).filter(uid=uid).first()
    if booking is None:
        raise BookingNotFound(f"Booking with uid {uid} not found.")
    return booking


def find_series(uid: str) -> RecurringSeries | None:
    return RecurringSeries.objects.filter(uid=uid).first()


def find_seat(seat_uid: str) -> Attendee:
    try:
        seat = uuid.UUID(str(seat_uid))
    except ValueError:
        raise BookingNotFound(f"Booking with seat uid {seat_uid} not found.") from None
    attendee = Attendee.objects.select_related("booking").filter(seat_uid=seat).first()
    if attendee is None:
        raise BookingNotFound(f"Booking with seat uid {seat_uid} not found.")
    return attendee
