"""Booking for an attendee from the admin (a phone call, an email): the same booking service
as the pages and the API, recorded with the channel `admin` and the host as its author."""

from datetime import datetime

from django import forms

from accounts.timezones import time_zone_choices
from bookings.admin.display import user_zone
from bookings.services import AttendeeInput, BookingRequest
from eventtypes.models import EventType


class OnBehalfForm(forms.Form):
    event_type = forms.ModelChoiceField(queryset=EventType.objects.none())
    start = forms.DateTimeField(
        label="Start",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    length = forms.IntegerField(
        required=False, min_value=1, help_text="Minutes; empty: the event type's length."
    )
    name = forms.CharField(label="Attendee's name", max_length=200)
    email = forms.EmailField(label="Attendee's email")
    time_zone = forms.ChoiceField(label="Attendee's time zone", choices=time_zone_choices)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.zone = user_zone(user)
        self.fields["event_type"].queryset = EventType.objects.managed_by(user).order_by("title")
        self.fields["start"].help_text = f"In your time zone, {self.zone.key}."
        self.fields["time_zone"].initial = self.zone.key

    def clean_start(self) -> datetime:
        start = self.cleaned_data["start"]
        # The field reads the wall time in Django's zone; it is meant in the host's own.
        return start.replace(tzinfo=None).replace(tzinfo=self.zone)

    def booking_request(self) -> BookingRequest:
        data = self.cleaned_data
        return BookingRequest(
            start=data["start"],
            attendee=AttendeeInput(
                name=data["name"], email=data["email"], time_zone=data["time_zone"]
            ),
            length=data.get("length"),
            notes=data.get("notes", ""),
        )
