"""Request bodies of the booking lifecycle actions (Cal.com's 2024-08-13 inputs and ours).

Cancel and reschedule bodies are in api/bookings/inputs.py. Shapes only; the rules are in
bookings/services.
"""

from rest_framework import serializers

from api.fields import StrictBooleanField

REASON_MAX = 2000


def reason_field(help_text: str):
    return serializers.CharField(
        required=False, max_length=REASON_MAX, allow_blank=True, help_text=help_text
    )


class DeclineBookingSerializer(serializers.Serializer):
    reason = reason_field("Why the host declines; shown to the attendee")


class MarkAbsentAttendeeSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    absent = StrictBooleanField()


class MarkAbsentSerializer(serializers.Serializer):
    host = StrictBooleanField(required=False, help_text="Whether the host was absent")
    attendees = MarkAbsentAttendeeSerializer(many=True, required=False, max_length=1000)


class ReassignBookingSerializer(serializers.Serializer):
    reason = reason_field("Why the booking moves to another host")


class ConfirmEmailSerializer(serializers.Serializer):
    token = serializers.CharField(
        max_length=1000, help_text="The token of the attendee's confirmation email"
    )


class CancelOccurrenceSerializer(serializers.Serializer):
    date = serializers.DateField(
        input_formats=["%Y-%m-%d"],
        help_text="The occurrence's day in the attendee's time zone (YYYY-MM-DD)",
    )
    reason = reason_field("Cancellation reason")


class CancelFutureSerializer(serializers.Serializer):
    fromDate = serializers.DateField(
        input_formats=["%Y-%m-%d"],
        help_text="First day to cancel, in the attendee's time zone (YYYY-MM-DD)",
    )
    reason = reason_field("Cancellation reason")
