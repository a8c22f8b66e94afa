"""Request bodies and query parameters of the booking sub-resources (attendees, guests,
location, references, notes). Shapes only; the rules live in bookings/services."""

from rest_framework import serializers

from api.bookings.inputs import LocationInputSerializer
from api.fields import LANGUAGES, StrictBooleanField, TimeZoneField


class TextField(serializers.CharField):
    """A JSON string; numbers and booleans are refused rather than turned into text."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class GuestInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(required=False, max_length=200)
    timeZone = TimeZoneField(required=False, max_length=64)
    phoneNumber = serializers.RegexField(
        r"^\+[1-9][0-9]{6,14}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": "Must be a phone number in E.164 form, e.g. +14155550123."},
    )
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)


class AddGuestsSerializer(serializers.Serializer):
    guests = GuestInputSerializer(
        many=True,
        allow_empty=False,
        help_text="At most 10 per request and 30 per booking. Only the emails are kept.",
    )


class UpdateLocationInputSerializer(LocationInputSerializer):
    """Where the meeting happens now. `address`, `link` and `phone` are the organizer's own
    (the event type's value is used); the attendee kinds carry their value."""

    TYPES = (
        "address",
        "link",
        "phone",
        "attendeeAddress",
        "attendeePhone",
        "attendeeDefined",
        "integration",
    )
    type = serializers.ChoiceField(choices=TYPES)


class UpdateLocationSerializer(serializers.Serializer):
    location = UpdateLocationInputSerializer()


REFERENCE_TYPES = [
    "google_calendar",
    "office365_calendar",
    "daily_video",
    "google_video",
    "office365_video",
    "zoom_video",
]


class ReferencesFilter(serializers.Serializer):
    type = serializers.CharField(required=False)

    def validate_type(self, value):
        if value not in REFERENCE_TYPES:
            raise serializers.ValidationError(
                f"Unknown reference type '{value}'; use {', '.join(REFERENCE_TYPES)}."
            )
        return value


class AddNoteSerializer(serializers.Serializer):
    content = TextField(allow_blank=True, trim_whitespace=False, help_text="Up to 10,000 chars")
    isPrivate = StrictBooleanField(
        required=False,
        default=True,
        help_text="Private notes are only ever shown to the booking's managers.",
    )
