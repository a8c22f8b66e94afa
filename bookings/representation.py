"""A booking as the world outside sees it: Cal.com's BookingOutput_2024_08_13 and its seated
variant, as serializers.

The API renders its responses and describes them with these same classes (the payloads of
webhooks have Cal.com's own shape: bookings/events.py). To render many bookings without a query
per booking, load them with `with_output_relations()`.
"""

from functools import cached_property

from django.db.models import Prefetch
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from bookings.models import Attendee, Booking, BookingHost
from bookings.output_fields import (
    BOUND,
    METHOD,
    CopiedFields,
    Instant,
    plain_attribute,
    plan_of,
)


class Output(CopiedFields, serializers.Serializer):
    """An output shape. A field declared `required=False` is left out when it is empty (None or
    an empty string), as Cal.com leaves out what is undefined; `is_empty` says what empty is.
    Read-only fields (computed or fixed values) are always shown.

    Rendered as DRF renders a serializer, by a plan made once per class (output_fields): plain
    fields render as the class's get_fields makes them and method fields call their method,
    without a field made per instance; the others (nested serializers, fields reading the
    context) by copies bound to the instance, made on first use."""

    def is_empty(self, value) -> bool:
        return value is None or value == ""

    def to_representation(self, instance):
        data = {}
        for name, kind, how, field in plan_of(type(self)):
            if kind is METHOD:
                value = getattr(self, how)(instance)
            else:
                try:
                    if kind is BOUND:
                        field = self.bound_fields[name]
                        value = field.get_attribute(instance)
                    else:
                        value = plain_attribute(instance, how, field)
                except SkipField:
                    continue
                if (value.pk if isinstance(value, PKOnlyObject) else value) is not None:
                    value = field.to_representation(value)
            if field.required or field.read_only or not self.is_empty(value):
                data[name] = value
        return data

    @cached_property
    def bound_fields(self) -> dict:
        """The fields the plan renders as DRF does, made as get_fields makes them and bound
        to this serializer."""
        bound = {}
        for name, kind, _, _ in plan_of(type(self)):
            if kind is BOUND:
                bound[name] = self.made_field(name, self._declared_fields[name])
                bound[name].bind(name, self)
        return bound


class FromContext(serializers.CharField):
    """The value the serializer's context holds under `key`; left out when there is none."""

    def __init__(self, key: str, **kwargs):
        self.key = key
        super().__init__(source="*", required=False, **kwargs)

    def get_attribute(self, instance):
        return self.context.get(self.key)


class OneOf(serializers.BaseSerializer):
    """Renders each object with the first of its `variants` (output serializers with an
    `applies_to(obj)` method) that applies to it; the OpenAPI document shows any of them."""

    variants: tuple = ()

    def to_representation(self, instance):
        if not hasattr(self, "_bound_variants"):
            self._bound_variants = []
            for variant in self.variants:
                serializer = variant()
                serializer.bind("", self)
                self._bound_variants.append(serializer)
        for serializer in self._bound_variants:
            if serializer.applies_to(instance):
                return serializer.to_representation(instance)
        raise ValueError(f"No variant of {type(self).__name__} renders {instance!r}")


def with_output_relations(bookings):
    return bookings.select_related(
        "event_type", "organizer", "recurring_series", "rescheduled_from", "rescheduled_to"
    ).prefetch_related(
        Prefetch("booking_hosts", queryset=BookingHost.objects.select_related("user")),
        Prefetch("attendees", queryset=Attendee.objects.order_by("id")),
    )


class BookingHostOutput(Output):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    email = serializers.EmailField()
    displayEmail = serializers.EmailField(source="email")
    username = serializers.CharField()
    timeZone = serializers.CharField(source="time_zone")


class AttendeeOutput(Output):
    name = serializers.CharField()
    email = serializers.EmailField()
    displayEmail = serializers.EmailField(source="email")
    timeZone = serializers.CharField(source="time_zone")
    language = serializers.CharField()
    absent = serializers.BooleanField()
    phoneNumber = serializers.CharField(source="phone_number", required=False)


class SeatOutput(AttendeeOutput):
    """An attendee of a seated booking: what they wrote stays on their seat."""

    seatUid = serializers.SerializerMethodField()
    bookingFieldsResponses = serializers.DictField(source="responses")
    metadata = serializers.DictField()

    def get_seatUid(self, attendee) -> str:
        return str(attendee.seat_uid) if attendee.seat_uid else ""


class EventTypeReference(Output):
    id = serializers.IntegerField()
    slug = serializers.CharField()


class AnswersField(serializers.DictField):
    """The answers by question slug, with the system fields Cal.com includes (name, email and
    guests of the booker)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, booking):
        responses = dict(booking.responses or {})
        attendees = list(booking.attendees.all())
        if attendees:
            responses.setdefault("name", attendees[0].name)
            responses.setdefault("email", attendees[0].email)
        if booking.guests:
            responses.setdefault("guests", list(booking.guests))
        return responses


class BookingFields(Output):
    """What every booking shows, seated or not."""

    id = serializers.IntegerField()
    uid = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    hosts = BookingHostOutput(many=True, source="host_users")
    status = serializers.ChoiceField(choices=Booking.Status.choices)
    start = Instant()
    end = Instant()
    duration = serializers.IntegerField(source="duration_minutes")
    eventTypeId = serializers.IntegerField(source="event_type_id", allow_null=True)
    eventType = EventTypeReference(source="event_type", allow_null=True)
    location = serializers.CharField(source="meeting_place", allow_blank=True)
    absentHost = serializers.BooleanField(source="absent_host")
    createdAt = Instant(source="created_at")
    updatedAt = Instant(source="updated_at")
    metadata = serializers.DictField()
    icsUid = serializers.CharField(source="ics_uid")
    cancellationReason = serializers.CharField(source="cancellation_reason", required=False)
    cancelledByEmail = serializers.CharField(source="cancelled_by_email", required=False)
    reschedulingReason = serializers.CharField(source="rescheduling_reason", required=False)
    rescheduledByEmail = serializers.CharField(source="rescheduled_by_email", required=False)
    rescheduledFromUid = serializers.CharField(source="rescheduled_from.uid", required=False)
    rescheduledToUid = serializers.CharField(source="rescheduled_to.uid", required=False)
    meetingUrl = serializers.CharField(source="meeting_url", required=False)
    rating = serializers.IntegerField(required=False)
    rejectionReason = serializers.CharField(source="rejection_reason", required=False)
    recurringBookingUid = serializers.CharField(
        source="recurring_series.uid", required=False, help_text="Recurring bookings"
    )
    redirectUrl = FromContext(
        "redirect_url", help_text="Where to send the attendee after booking (creation only)"
    )


class BookingOutput(BookingFields):
    attendees = AttendeeOutput(many=True, source="attendees.all")
    guests = serializers.ListField(child=serializers.EmailField())
    bookingFieldsResponses = AnswersField()

    def applies_to(self, booking: Booking) -> bool:
        return not booking.is_seated


class SeatedBookingOutput(BookingFields):
    """A booking of a seated event type, shared by strangers.

    Context: `seat_uid`, the seat just booked or asked for (shown as seatUid); `viewer`, the
    user who asks: unless the event type shows attendees, only those who manage the booking
    see the other attendees and who cancelled or moved it. Without a viewer (outbox payloads,
    lists of managed bookings) everything is shown.
    """

    attendees = SeatOutput(many=True, source="attendees.all")
    seatUid = FromContext("seat_uid", help_text="The seat just booked, or asked for")

    def applies_to(self, booking: Booking) -> bool:
        return booking.is_seated

    def to_representation(self, booking):
        data = super().to_representation(booking)
        if not self.shows_attendees(booking):
            seat = self.context.get("seat_uid")
            data["attendees"] = [a for a in data["attendees"] if seat and a["seatUid"] == seat]
            data.pop("cancelledByEmail", None)
            data.pop("rescheduledByEmail", None)
        return data

    def shows_attendees(self, booking: Booking) -> bool:
        if self.context.get("viewer") is None or booking.event_type.seats_show_attendees:
            return True
        return booking.is_managed_by(self.context["viewer"])


class AnyBookingOutput(OneOf):
    """A booking in the shape of its kind."""

    variants = (SeatedBookingOutput, BookingOutput)
