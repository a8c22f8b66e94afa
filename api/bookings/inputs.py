"""Request bodies of the bookings API (shapes of Cal.com's 2024-08-13 inputs).

They check types and shapes only; every rule about bookings lives in bookings/services.
"""

from rest_framework import serializers

from api.fields import (
    LANGUAGES,
    ObjectField,
    StrictBooleanField,
    StrictIntegerField,
    TimeZoneField,
    UtcDateTimeField,
)
from bookings.services import AttendeeInput


class AttendeeInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    timeZone = TimeZoneField(max_length=64)
    phoneNumber = serializers.RegexField(
        r"^\+[1-9][0-9]{6,14}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": "Must be a phone number in E.164 form, e.g. +14155550123."},
    )
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


class LocationInputSerializer(serializers.Serializer):
    """A typed location object; plain strings are refused as Cal.com does."""

    TYPES = (
        "address",
        "link",
        "phone",
        "attendeeAddress",
        "attendeePhone",
        "attendeeDefined",
        "integration",
        "organizersDefaultApp",
    )
    type = serializers.ChoiceField(choices=TYPES)
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


class CreateBookingSerializer(serializers.Serializer):
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
    location = LocationInputSerializer(required=False)
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


class RescheduleBookingSerializer(serializers.Serializer):
    start = UtcDateTimeField()
    reschedulingReason = serializers.CharField(required=False, max_length=2000, allow_blank=True)
    rescheduledBy = serializers.EmailField(required=False, max_length=254)
    seatUid = serializers.UUIDField(required=False)
    reservedSlotUid = serializers.UUIDField(required=False)


class CancelBookingSerializer(serializers.Serializer):
    cancellationReason = serializers.CharField(required=False, max_length=2000, allow_blank=True)
    cancelSubsequentBookings = StrictBooleanField(required=False, default=False)
    seatUid = serializers.UUIDField(required=False)
