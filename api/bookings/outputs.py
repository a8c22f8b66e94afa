"""Response shapes of the bookings API, for the OpenAPI document.

The responses themselves are built by bookings/representation.py; these serializers only
describe them (Cal.com's BookingOutput_2024_08_13 and its variants).
"""

from rest_framework import serializers


class BookingHostOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    displayEmail = serializers.EmailField()
    username = serializers.CharField()
    timeZone = serializers.CharField()


class BookingAttendeeOut(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()
    displayEmail = serializers.EmailField()
    timeZone = serializers.CharField()
    language = serializers.CharField()
    absent = serializers.BooleanField()
    phoneNumber = serializers.CharField(required=False)
    seatUid = serializers.CharField(required=False, help_text="Seated event types")
    bookingFieldsResponses = serializers.DictField(required=False)
    metadata = serializers.DictField(required=False)


class EventTypeRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()


class BookingOut(serializers.Serializer):
    id = serializers.IntegerField()
    uid = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    hosts = BookingHostOut(many=True)
    status = serializers.ChoiceField(choices=["cancelled", "accepted", "rejected", "pending"])
    cancellationReason = serializers.CharField(required=False)
    cancelledByEmail = serializers.CharField(required=False)
    rejectionReason = serializers.CharField(required=False)
    reschedulingReason = serializers.CharField(required=False)
    rescheduledByEmail = serializers.CharField(required=False)
    rescheduledFromUid = serializers.CharField(required=False)
    rescheduledToUid = serializers.CharField(required=False)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    duration = serializers.IntegerField()
    eventTypeId = serializers.IntegerField()
    eventType = EventTypeRefOut()
    meetingUrl = serializers.CharField(required=False)
    location = serializers.CharField()
    absentHost = serializers.BooleanField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    metadata = serializers.DictField()
    rating = serializers.IntegerField(required=False)
    icsUid = serializers.CharField()
    attendees = BookingAttendeeOut(many=True)
    guests = serializers.ListField(child=serializers.EmailField(), required=False)
    bookingFieldsResponses = serializers.DictField(required=False)
    recurringBookingUid = serializers.CharField(required=False, help_text="Recurring bookings")
    seatUid = serializers.CharField(required=False, help_text="The seat just booked")
    redirectUrl = serializers.URLField(required=False, help_text="Where to send the attendee")
