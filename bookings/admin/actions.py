"""What a host does to a booking from the admin: each action one service call."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms

from bookings.models import (
    Booking,
    Channel,
)
from bookings.services import (
    Actor,
    cancel_booking,
    confirm_booking,
    decline_booking,
    mark_absent,
    mark_attended,
)


def host_actor(request) -> Actor:
    return Actor.host(request.user, channel=Channel.ADMIN)


def _all_attendees_absent(booking, actor, reason):
    absent = [(attendee.email, True) for attendee in booking.attendees.all()]
    return mark_absent(booking, actor, attendees=absent)


@dataclass(frozen=True)
class HostAction:
    """One change a host makes from the admin, run as exactly one service call per booking.

    Used by the changelist actions (several bookings, no reason) and by the buttons on the
    booking page (one booking, a confirmation form, optionally a reason).
    """

    slug: str  # kebab-case, the last part of the booking page's URL
    label: str
    question: str
    done: str  # past tense, for the success message
    run: Callable  # (booking, actor, reason) -> result of the service
    with_reason: bool = False
    offered_for: tuple = ()  # statuses in which the booking page shows the button
    # The service changes every pending occurrence of the booking's series at once.
    covers_series: bool = False

    @property
    def url_name(self) -> str:
        return f"bookings_booking_{self.slug.replace('-', '_')}"


CONFIRM = HostAction(
    "confirm",
    "Confirm",
    "Confirm this booking? Its time stays reserved for the attendee.",
    "Confirmed",
    lambda booking, actor, reason: confirm_booking(booking, actor),
    offered_for=(Booking.Status.PENDING,),
    covers_series=True,
)
DECLINE = HostAction(
    "decline",
    "Decline",
    "Decline this booking? Its time becomes free again.",
    "Declined",
    lambda booking, actor, reason: decline_booking(booking, actor, reason=reason),
    with_reason=True,
    offered_for=(Booking.Status.PENDING,),
    covers_series=True,
)
CANCEL = HostAction(
    "cancel",
    "Cancel booking",
    "Cancel this booking? Its time becomes free again.",
    "Cancelled",
    lambda booking, actor, reason: cancel_booking(booking, actor, reason=reason),
    with_reason=True,
    offered_for=Booking.BLOCKING_STATUSES,
)
MARK_ATTENDED = HostAction(
    "mark-attended",
    "Mark attended",
    "Record that the meeting took place with everyone present?",
    "Marked as attended",
    lambda booking, actor, reason: mark_attended(booking, actor),
    offered_for=(Booking.Status.ACCEPTED,),
)
MARK_NO_SHOW = HostAction(
    "mark-no-show",
    "Mark attendees as no-show",
    "Record that no attendee turned up?",
    "Marked as no-show",
    _all_attendees_absent,
    offered_for=(Booking.Status.ACCEPTED,),
)
HOST_ACTIONS = (CONFIRM, DECLINE, CANCEL, MARK_ATTENDED, MARK_NO_SHOW)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Optional; kept with the booking, where the attendee can read it.",
    )
