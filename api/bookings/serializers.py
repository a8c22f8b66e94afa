"""Request bodies, query strings and the outputs of the bookings API beyond the booking itself
(bookings/representation.py renders that one).

Inputs follow Cal.com's 2024-08-13 shapes and check types and shapes only: every rule about
bookings lives in bookings/services.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import (
    LANGUAGES,
    BoundedIntegerField,
    LenientDateTimeField,
    ObjectField,
    PhoneNumberField,
    QueryIntegerListField,
    StrictBooleanField,
    StrictIntegerField,
    TextField,
    TimeZoneField,
    UtcDateTimeField,
    reason_field,
)
from bookings.models import ActorRole, Booking, BookingHistory, Channel
from bookings.output_fields import CopiedFields
from bookings.queries import STATUS_FILTERS
from bookings.representation import AttendeeOutput, Instant, OneOf, Output, SeatOutput
from bookings.services import AttendeeInput
from calendars.models import BookingReference

# --- Creating a booking ------------------------------------------------------------------------


class AttendeeInputSerializer(CopiedFields, serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    timeZone = TimeZoneField(max_length=64)
    phoneNumber = PhoneNumberField()
    language = serializers.ChoiceField(choices=LANGUAGES, required=False, default="en")

    def to_attendee(self, data=None) -> AttendeeInput:
        data = data if data is not None else self.validated_data
        return AttendeeInput(
            name=data["name"],
            email=data["email"],
            time_zone=data["timeZone"],
            phone_number=data.get("phoneNumber", ""),
            language=data.get("language") or "en",
        )


LOCATION_TYPES = (
    "address",
    "link",
    "phone",
    "attendeeAddress",
    "attendeePhone",
    "attendeeDefined",
    "integration",
)


class LocationInput(CopiedFields, serializers.Serializer):
    """A typed location object."""

    type = serializers.ChoiceField(choices=(*LOCATION_TYPES, "organizersDefaultApp"))
    address = serializers.CharField(required=False, max_length=1000)
    phone = serializers.CharField(required=False, max_length=30)
    location = serializers.CharField(required=False, max_length=1000)
    link = serializers.URLField(required=False, max_length=1000)
    integration = serializers.CharField(required=False, max_length=50)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                'Must be an object with a "type", e.g. {"type": "address"}; plain strings are '
                "not accepted."
            )
        return super().to_internal_value(data)


LOCATION_OBJECT_SCHEMA = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {"type": "string", "enum": [*LOCATION_TYPES, "organizersDefaultApp"]},
        "address": {"type": "string", "maxLength": 1000},
        "phone": {"type": "string", "maxLength": 30},
        "location": {"type": "string", "maxLength": 1000},
        "link": {"type": "string", "format": "uri", "maxLength": 1000},
        "integration": {"type": "string", "maxLength": 50},
    },
}


@extend_schema_field(
    {
        "oneOf": [
            LOCATION_OBJECT_SCHEMA,
            {
                "type": "string",
                "minLength": 1,
                "maxLength": 1000,
                "description": "Kept for older clients, as Cal.com does: an address or a link, "
                "stored as given (a link is also the meeting URL).",
            },
        ]
    }
)
class BookingLocationField(serializers.Field):
    """A typed location object, or (as Cal.com still accepts) a plain string."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            text = data.strip()
            if not text or len(text) > 1000:
                raise serializers.ValidationError("A location string must be 1 to 1000 characters.")
            if any(ord(character) < 32 for character in text) or len(text.splitlines()) > 1:
                raise serializers.ValidationError("A location string must be one line of text.")
            return text
        location = LocationInput(data=data)
        location.is_valid(raise_exception=True)
        return location.validated_data

    def to_representation(self, value):
        return value


class CreateBookingInput(CopiedFields, serializers.Serializer):
    start = UtcDateTimeField(required=False)
    attendee = AttendeeInputSerializer()
    eventTypeId = StrictIntegerField(required=False, min_value=1)
    eventTypeSlug = serializers.SlugField(required=False, max_length=100)
    username = serializers.CharField(required=False, max_length=150)
    teamSlug = serializers.SlugField(required=False, max_length=100)
    organizationSlug = serializers.SlugField(required=False, max_length=100)
    lengthInMinutes = StrictIntegerField(required=False, min_value=1, max_value=1440)
    guests = serializers.ListField(
        child=serializers.EmailField(max_length=254), required=False, max_length=30
    )
    location = BookingLocationField(required=False)
    meetingUrl = serializers.URLField(required=False, max_length=1000)
    metadata = ObjectField(required=False)
    bookingFieldsResponses = ObjectField(required=False)
    reservedSlotUid = serializers.UUIDField(required=False)
    recurrenceCount = StrictIntegerField(required=False, min_value=1, max_value=730)
    instant = StrictBooleanField(required=False, default=False)
    hostIds = serializers.ListField(
        child=StrictIntegerField(min_value=1), required=False, min_length=1, max_length=100
    )
    skipNotifications = StrictBooleanField(required=False, default=False)
    icsTitle = serializers.CharField(required=False, max_length=200, allow_blank=True)
    icsDescription = serializers.CharField(required=False, max_length=2000, allow_blank=True)
    notes = serializers.CharField(required=False, max_length=5000, allow_blank=True)
    privateLinkHash = serializers.CharField(required=False, max_length=64)

    def validate(self, data):
        if not data.get("start") and not data.get("instant"):
            raise serializers.ValidationError({"start": "This field is required."})
        return data


class BookingListQuery(serializers.Serializer):
    status = serializers.CharField(
        required=False,
        help_text=f"A comma list of {', '.join(STATUS_FILTERS)}",
    )
    attendeeEmail = serializers.EmailField(required=False)
    attendeeName = serializers.CharField(required=False, max_length=200)
    bookingUid = serializers.CharField(required=False, max_length=64)
    eventTypeId = BoundedIntegerField(required=False, min_value=1)
    eventTypeIds = QueryIntegerListField(required=False)
    teamId = BoundedIntegerField(required=False, min_value=1)
    teamsIds = QueryIntegerListField(required=False)
    afterStart = LenientDateTimeField(required=False)
    beforeEnd = LenientDateTimeField(required=False, end_of_day=True)
    afterCreatedAt = LenientDateTimeField(required=False)
    beforeCreatedAt = LenientDateTimeField(required=False, end_of_day=True)
    afterUpdatedAt = LenientDateTimeField(required=False)
    beforeUpdatedAt = LenientDateTimeField(required=False, end_of_day=True)
    sortStart = serializers.ChoiceField(choices=["asc", "desc"], required=False)
    sortEnd = serializers.ChoiceField(choices=["asc", "desc"], required=False)
    sortCreated = serializers.ChoiceField(choices=["asc", "desc"], required=False)
    sortUpdatedAt = serializers.ChoiceField(choices=["asc", "desc"], required=False)
    take = serializers.IntegerField(required=False, min_value=1, max_value=250)
    skip = BoundedIntegerField(required=False, min_value=0)

    def validate_status(self, value):
        names = [part.strip().lower() for part in value.split(",") if part.strip()]
        unknown = [name for name in names if name not in STATUS_FILTERS]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown status {', '.join(unknown)}; use {', '.join(STATUS_FILTERS)}."
            )
        return names


class UpdateBookingInput(serializers.Serializer):
    metadata = ObjectField(help_text="Keys to merge; a null value removes a key")


# --- Lifecycle ---------------------------------------------------------------------------------


class RescheduleBookingInput(serializers.Serializer):
    start = UtcDateTimeField()
    reschedulingReason = serializers.CharField(required=False, max_length=2000, allow_blank=True)
    rescheduledBy = serializers.EmailField(required=False, max_length=254)
    seatUid = serializers.UUIDField(required=False)
    reservedSlotUid = serializers.UUIDField(required=False)


class CancelBookingInput(serializers.Serializer):
    cancellationReason = serializers.CharField(required=False, max_length=2000, allow_blank=True)
    cancelSubsequentBookings = StrictBooleanField(required=False, default=False)
    seatUid = serializers.UUIDField(required=False)


class DeclineBookingInput(serializers.Serializer):
    reason = reason_field("Why the host declines; shown to the attendee")


class MarkAbsentAttendeeInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    absent = StrictBooleanField()


class MarkAbsentInput(serializers.Serializer):
    host = StrictBooleanField(required=False, help_text="Whether the host was absent")
    attendees = MarkAbsentAttendeeInput(many=True, required=False, max_length=1000)


class ReassignBookingInput(serializers.Serializer):
    reason = reason_field("Why the booking moves to another host")


class ReassignedToOutput(Output):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    email = serializers.EmailField()
    displayEmail = serializers.EmailField(source="email")


class ReassignOutput(Output):
    bookingUid = serializers.CharField(source="uid")
    reassignedTo = ReassignedToOutput(source="organizer")


class ConfirmEmailInput(serializers.Serializer):
    token = serializers.CharField(
        max_length=1000, help_text="The token of the attendee's confirmation email"
    )


# --- Occurrences of a recurring series ----------------------------------------------------------


class CancelOccurrenceInput(serializers.Serializer):
    date = serializers.DateField(
        input_formats=["%Y-%m-%d"],
        help_text="The occurrence's day in the attendee's time zone (YYYY-MM-DD)",
    )
    reason = reason_field("Cancellation reason")


class CancelFutureInput(serializers.Serializer):
    fromDate = serializers.DateField(
        input_formats=["%Y-%m-%d"],
        help_text="First day to cancel, in the attendee's time zone (YYYY-MM-DD)",
    )
    reason = reason_field("Cancellation reason")


class OccurrenceOutput(Output):
    date = serializers.DateField(help_text="The day in the attendee's time zone")
    uid = serializers.CharField(source="booking.uid")
    start = Instant(source="booking.start")
    end = Instant(source="booking.end")
    status = serializers.ChoiceField(source="booking.status", choices=Booking.Status.choices)


# --- Attendees, guests, location ----------------------------------------------------------------


class AttendeeWithIdOutput(AttendeeOutput):
    """An attendee addressed on its own (Cal.com's BookingAttendeeOutput)."""

    id = serializers.IntegerField()
    bookingId = serializers.IntegerField(source="booking_id")

    def applies_to(self, attendee) -> bool:
        return not self.context.get("seated")


class SeatWithIdOutput(SeatOutput):
    id = serializers.IntegerField()
    bookingId = serializers.IntegerField(source="booking_id")

    def applies_to(self, attendee) -> bool:
        return bool(self.context.get("seated"))


class AnyAttendeeWithIdOutput(OneOf):
    """An attendee with its ids; with its seat on seated bookings (context `seated`)."""

    variants = (SeatWithIdOutput, AttendeeWithIdOutput)


class GuestInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(required=False, max_length=200)
    timeZone = TimeZoneField(required=False, max_length=64)
    phoneNumber = PhoneNumberField()
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)


class AddGuestsInput(serializers.Serializer):
    guests = GuestInput(
        many=True,
        allow_empty=False,
        help_text="At most 10 per request and 30 per booking. Only the emails are kept.",
    )


class NewLocationInput(LocationInput):
    """Where the meeting happens now. `address`, `link` and `phone` are the organizer's own
    (the event type's value is used); the attendee kinds carry their value."""

    type = serializers.ChoiceField(choices=LOCATION_TYPES)


class UpdateLocationInput(serializers.Serializer):
    location = NewLocationInput()


# --- Calendar links and references --------------------------------------------------------------


class CalendarLinkOutput(Output):
    label = serializers.CharField()
    link = serializers.CharField()


REFERENCE_TYPES = [
    "apple_calendar",
    "caldav_calendar",
    "google_calendar",
    "office365_calendar",
    "daily_video",
    "google_video",
    "office365_video",
    "zoom_video",
]


@extend_schema_field({"type": "string", "enum": REFERENCE_TYPES})
class ReferenceTypeField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in REFERENCE_TYPES:
            raise serializers.ValidationError(
                f"Unknown reference type '{value}'; use {', '.join(REFERENCE_TYPES)}."
            )
        return value


class ReferencesQuery(serializers.Serializer):
    type = ReferenceTypeField(required=False, help_text="Only references of this type")


class BookingReferenceOutput(Output):
    """The booking's event in a host's calendar (calendars.models.BookingReference). Which
    calendar, and why writing it failed, are told to that calendar's owner only."""

    id = serializers.IntegerField()
    type = serializers.SerializerMethodField()
    eventUid = serializers.CharField(source="ics_uid")
    destinationCalendarId = serializers.SerializerMethodField(
        help_text="The calendar's URL; null unless it is yours"
    )
    # Ours: whether the calendar server has it yet, and why not.
    state = serializers.ChoiceField(choices=BookingReference.State.choices)
    lastError = serializers.SerializerMethodField(help_text="Empty unless the calendar is yours")

    def get_type(self, reference) -> str:
        return reference.calendar.connection.integration

    def _is_own(self, reference) -> bool:
        request = self.context.get("request")
        return request is not None and reference.calendar.user_id == request.user.pk

    def get_destinationCalendarId(self, reference) -> str | None:
        return reference.calendar.url if self._is_own(reference) else None

    def get_lastError(self, reference) -> str:
        return reference.last_error if self._is_own(reference) else ""


# --- Notes and history (extensions) ---------------------------------------------------------


class AddNoteInput(serializers.Serializer):
    content = TextField(allow_blank=True, trim_whitespace=False, help_text="Up to 10,000 chars")
    isPrivate = StrictBooleanField(
        required=False,
        default=True,
        help_text="Private notes are only ever shown to the booking's managers.",
    )


class NoteAuthorOutput(Output):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class NoteOutput(Output):
    id = serializers.IntegerField()
    content = serializers.CharField()
    isPrivate = serializers.BooleanField(source="is_private")
    createdAt = Instant(source="created_at")
    author = NoteAuthorOutput(allow_null=True)


class BlankAsNull:
    """An empty value is shown as null."""

    def to_representation(self, value):
        return super().to_representation(value) or None


class BlankAsNullChar(BlankAsNull, serializers.CharField):
    pass


class BlankAsNullChoice(BlankAsNull, serializers.ChoiceField):
    pass


class HistoryActorOutput(Output):
    email = BlankAsNullChar(source="actor_email", allow_null=True)
    role = BlankAsNullChoice(source="actor_role", choices=ActorRole.choices, allow_null=True)


class HistoryEntryOutput(Output):
    action = serializers.ChoiceField(choices=BookingHistory.Action.choices)
    actor = HistoryActorOutput(source="*")
    channel = serializers.ChoiceField(choices=Channel.choices)
    before = serializers.DictField()
    after = serializers.DictField()
    createdAt = Instant(source="created_at")
