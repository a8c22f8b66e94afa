"""A booking as calendar values, for the .ics file (bookings/ics.py) and the add-to-calendar
links (bookings/calendar_links.py)."""

from bookings import ics
from bookings.calendar_links import calendar_links
from bookings.models import Booking

ICS_STATUS = {
    Booking.Status.ACCEPTED: ics.CONFIRMED,
    Booking.Status.PENDING: ics.TENTATIVE,
    Booking.Status.CANCELLED: ics.CANCELLED,
    Booking.Status.REJECTED: ics.CANCELLED,
}


def calendar_event(booking: Booking, *, show_attendees: bool = True) -> ics.CalendarEvent:
    """The organizer is the booking's organizer; the other hosts, the attendees and the guests
    are ATTENDEEs. show_attendees: False leaves out attendees and guests (seated bookings whose
    event type hides them from non-managers); the hosts stay.

    Load the booking with representation.with_output_relations() to spare queries.
    """
    organizer = booking.organizer
    people = [
        ics.Participant(row.user.email, row.user.display_name)
        for row in booking.host_rows()
        if row.user_id != booking.organizer_id
    ]
    if show_attendees:
        people += [ics.Participant(a.email, a.name) for a in booking.attendees.all()]
        people += [
            ics.Participant(email, partstat="NEEDS-ACTION") for email in booking.guests or []
        ]
    return ics.CalendarEvent(
        uid=booking.ics_uid or f"{booking.uid}@rendezvous",
        sequence=booking.ics_sequence,
        start=booking.start,
        end=booking.end,
        summary=booking.ics_title or booking.title,
        description=booking.ics_description or booking.description,
        location=booking.meeting_place,
        status=ICS_STATUS[booking.status],
        organizer=ics.Participant(organizer.email, organizer.display_name),
        attendees=people,
    )


def add_to_calendar_links(booking: Booking, ics_url: str, *, show_attendees: bool = True):
    """Google, Office 365, Outlook and Yahoo links for the booking, and its .ics file's URL."""
    event = calendar_event(booking, show_attendees=show_attendees)
    return calendar_links(
        title=event.summary,
        start=event.start,
        end=event.end,
        description=event.description,
        location=event.location,
        ics_url=ics_url,
    )
