"""Event types, private links and schedules as the API shows them.

The builders give Cal.com's EventTypeOutput_2024_06_14 / TeamEventTypeOutput_2024_06_14,
the private link outputs and ScheduleOutput_2024_06_11; the serializers below them only
describe these shapes for the OpenAPI document.

Where Cal.com keeps a setting we do not have, the output gives its neutral value (no price,
no metadata, nothing locked). Settings that are switched off are left out, as Cal.com does.
"""

from datetime import UTC, datetime, time

from django.conf import settings
from django.db.models import Prefetch
from rest_framework import serializers

from eventtypes.models import WEEKDAYS, DateOverride, EventType, Host, WeeklyAvailability

CHOICE_TYPES = {"select", "multiselect", "checkbox", "radio"}
# Question types whose Cal.com output carries a placeholder.
PLACEHOLDER_TYPES = {
    "name",
    "email",
    "phone",
    "address",
    "text",
    "number",
    "textarea",
    "select",
    "multiemail",
    "url",
}
PRIORITY_NAMES = {value: label.lower() for value, label in Host.Priority.choices}
DAY_NAMES = dict(WEEKDAYS)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- Event types -------------------------------------------------------------------------------


def with_output_relations(event_types, *, hosts=True):
    """Load what the output needs in a fixed number of queries."""
    event_types = event_types.select_related("owner", "team")
    if hosts:
        event_types = event_types.prefetch_related(
            Prefetch("hosts", queryset=Host.objects.select_related("user"))
        )
    return event_types


def event_type_output(
    event_type: EventType, *, hosts_limit: int | None = None, for_manager: bool = True
) -> dict:
    """A personal type as EventTypeOutput_2024_06_14, a team type as TeamEventTypeOutput.

    for_manager=False (the public listing): a location marked `"public": false` shows its type
    with an empty address, number or link, which the attendee learns once booked.
    """
    data = _settings_output(event_type)
    if not for_manager:
        data["locations"] = [_public_location(location) for location in data["locations"]]
    if event_type.is_team_event:
        hosts = list(event_type.hosts.all())
        if hosts_limit is not None:
            hosts = hosts[:hosts_limit]
        team = event_type.team
        data.update(
            teamId=team.id,
            ownerId=None,
            parentEventTypeId=None,
            schedulingType=event_type.scheduling_type,
            hosts=[host_output(host) for host in hosts],
            team=team_output(team),
            bookingUrl=f"{settings.SITE_URL}/team/{team.slug}/{event_type.slug}/",
        )
    else:
        owner = event_type.owner
        data.update(
            ownerId=owner.id,
            users=[user_output(owner)],
            bookingUrl=f"{settings.SITE_URL}/{owner.username}/{event_type.slug}/",
        )
    return data


def deleted_event_type_output(event_type: EventType, event_type_id: int) -> dict:
    return {
        "id": event_type_id,
        "lengthInMinutes": event_type.length_minutes,
        "title": event_type.title,
        "slug": event_type.slug,
    }


PRIVATE_LOCATION_VALUES = ("address", "link", "phone")


def _public_location(location: dict) -> dict:
    """The value of a non-public location is blanked (the key stays: Cal.com requires it)."""
    if location.get("public", True):
        return location
    return {k: "" if k in PRIVATE_LOCATION_VALUES else v for k, v in location.items()}


def _settings_output(event_type: EventType) -> dict:
    data = {
        "id": event_type.id,
        "lengthInMinutes": event_type.length_minutes,
        "title": event_type.title,
        "slug": event_type.slug,
        "description": event_type.description,
        "locations": list(event_type.locations or []),
        "bookingFields": [booking_field_output(field) for field in event_type.booking_fields or []],
        "disableGuests": event_type.disable_guests,
        "slotInterval": event_type.slot_interval,
        "minimumBookingNotice": event_type.minimum_booking_notice,
        "beforeEventBuffer": event_type.before_event_buffer,
        "afterEventBuffer": event_type.after_event_buffer,
        "recurrence": _recurrence(event_type),
        "metadata": {},
        "price": 0,
        "currency": "usd",
        "lockTimeZoneToggleOnBookingPage": False,
        "seatsPerTimeSlot": event_type.seats_per_time_slot,
        "seatsShowAvailabilityCount": event_type.seats_show_availability_count,
        "forwardParamsSuccessRedirect": False,
        "successRedirectUrl": event_type.success_redirect_url or None,
        "isInstantEvent": event_type.instant_meetings_allowed,
        "scheduleId": event_type.schedule_id,
        "hidden": event_type.hidden,
        "bookingRequiresAuthentication": False,
        "requiresBookerEmailVerification": False,
        "disableCancelling": {"disabled": event_type.disable_cancelling},
        "disableRescheduling": _rescheduling(event_type),
        "allowDoubleBooking": event_type.allow_double_booking,
        "requiresAttendeeEmailConfirmation": event_type.requires_attendee_opt_in,
        "cancellationCutoffMinutes": event_type.cancellation_cutoff_minutes,
        "reminderOffsets": list(event_type.reminder_offsets or []),
    }
    optional = {
        "lengthInMinutesOptions": list(event_type.length_options or []),
        "bookingLimitsCount": dict(event_type.booking_limits_count or {}),
        "bookingLimitsDuration": dict(event_type.booking_limits_duration or {}),
        "bookingWindow": _booking_window(event_type),
        "confirmationPolicy": _confirmation_policy(event_type),
        "seats": _seats(event_type),
        "customName": event_type.custom_title,
    }
    data.update({name: value for name, value in optional.items() if value})
    return data


def booking_field_output(field: dict) -> dict:
    data = {
        "type": field["type"],
        "slug": field["slug"],
        "label": field.get("label", ""),
        "required": bool(field.get("required", False)),
        "hidden": bool(field.get("hidden", False)),
        "isDefault": False,
    }
    if field["type"] in PLACEHOLDER_TYPES or "placeholder" in field:
        data["placeholder"] = field.get("placeholder", "")
    if field["type"] in CHOICE_TYPES or "options" in field:
        data["options"] = list(field.get("options") or [])
    if "disableOnPrefill" in field:
        data["disableOnPrefill"] = field["disableOnPrefill"]
    return data


def _recurrence(event_type: EventType) -> dict | None:
    if not event_type.is_recurring:
        return None
    return {
        "frequency": event_type.recurrence_frequency,
        "interval": event_type.recurrence_interval,
        "occurrences": event_type.recurrence_max_occurrences,
    }


def _booking_window(event_type: EventType) -> dict | None:
    kind = event_type.booking_window_type
    if kind == EventType.BookingWindow.RANGE:
        start, end = event_type.booking_window_start, event_type.booking_window_end
        return {"type": kind, "value": [start.isoformat(), end.isoformat()]}
    if kind in (EventType.BookingWindow.CALENDAR_DAYS, EventType.BookingWindow.BUSINESS_DAYS):
        return {"type": kind, "value": event_type.booking_window_days, "rolling": False}
    return None


def _confirmation_policy(event_type: EventType) -> dict | None:
    if not event_type.requires_confirmation:
        return None
    policy = {"type": "always", "blockUnconfirmedBookingsInBooker": True}
    if event_type.confirmation_threshold_minutes is not None:
        policy["type"] = "time"
        policy["noticeThreshold"] = {
            "unit": "minutes",
            "count": event_type.confirmation_threshold_minutes,
        }
    return policy


def _seats(event_type: EventType) -> dict | None:
    if not event_type.is_seated:
        return None
    return {
        "seatsPerTimeSlot": event_type.seats_per_time_slot,
        "showAttendeeInfo": event_type.seats_show_attendees,
        "showAvailabilityCount": event_type.seats_show_availability_count,
    }


def _rescheduling(event_type: EventType) -> dict:
    data = {"disabled": event_type.disable_rescheduling}
    if event_type.reschedule_cutoff_minutes is not None:
        data["minutesBefore"] = event_type.reschedule_cutoff_minutes
    return data


def user_output(user) -> dict:
    return {
        "id": user.id,
        "name": user.display_name,
        "username": user.username,
        "avatarUrl": None,
        "weekStart": "Monday",
        "brandColor": None,
        "darkBrandColor": None,
        "metadata": {},
    }


def host_output(host: Host) -> dict:
    return {
        "userId": host.user_id,
        "name": host.user.display_name,
        "username": host.user.username,
        "mandatory": host.is_fixed,
        "priority": PRIORITY_NAMES[host.priority],
        "weight": host.weight,
        "avatarUrl": None,
    }


def team_output(team) -> dict:
    return {
        "id": team.id,
        "slug": team.slug,
        "name": team.name,
        "bannerUrl": None,
        "logoUrl": None,
        "weekStart": "Monday",
        "brandColor": None,
        "darkBrandColor": None,
        "theme": None,
    }


# --- Private links -----------------------------------------------------------------------------


def private_link_output(link, event_type: EventType, now: datetime) -> dict:
    """Time-based when the link has an expiry time, else usage-based."""
    data = {
        "linkId": link.link_hash,
        "eventTypeId": event_type.id,
        "isExpired": not link.is_usable(now),
        "bookingUrl": f"{settings.SITE_URL}/d/{link.link_hash}/{event_type.slug}/",
    }
    if link.expires_at is not None:
        data["expiresAt"] = iso_utc(link.expires_at)
    else:
        data["maxUsageCount"] = link.max_uses
        data["usageCount"] = link.uses
    return data


# --- Schedules ---------------------------------------------------------------------------------


def with_schedule_relations(schedules):
    return schedules.prefetch_related(
        Prefetch("weekly", queryset=WeeklyAvailability.objects.order_by("weekday", "start_time")),
        Prefetch("overrides", queryset=DateOverride.objects.order_by("date", "start_time")),
    )


def schedule_output(schedule) -> dict:
    """Weekly hours grouped as Cal.com does: one block per start and end, with its days."""
    blocks: dict[tuple[time, time], list[int]] = {}
    for row in schedule.weekly.all():
        blocks.setdefault((row.start_time, row.end_time), []).append(row.weekday)
    availability = [
        {
            "days": [DAY_NAMES[day] for day in sorted(set(days))],
            "startTime": _hhmm(start),
            "endTime": _hhmm(end),
        }
        for (start, end), days in blocks.items()
    ]
    overrides = [
        {
            "date": row.date.isoformat(),
            # A day off is 00:00 to 00:00, Cal.com's way of writing it.
            "startTime": _hhmm(row.start_time or time(0)),
            "endTime": _hhmm(row.end_time or time(0)),
        }
        for row in schedule.overrides.all()
    ]
    return {
        "id": schedule.id,
        "ownerId": schedule.owner_id,
        "name": schedule.name,
        "timeZone": schedule.time_zone,
        "availability": availability,
        "isDefault": schedule.is_default,
        "overrides": overrides,
    }


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


# --- Shapes for the OpenAPI document -----------------------------------------------------------


class UserOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    username = serializers.CharField()
    avatarUrl = serializers.CharField(allow_null=True)
    weekStart = serializers.CharField()
    brandColor = serializers.CharField(allow_null=True)
    darkBrandColor = serializers.CharField(allow_null=True)
    metadata = serializers.DictField()


class HostOut(serializers.Serializer):
    userId = serializers.IntegerField()
    name = serializers.CharField()
    username = serializers.CharField()
    mandatory = serializers.BooleanField()
    priority = serializers.ChoiceField(choices=list(PRIORITY_NAMES.values()))
    weight = serializers.IntegerField()
    avatarUrl = serializers.CharField(allow_null=True)


class TeamOut(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    bannerUrl = serializers.CharField(allow_null=True)
    logoUrl = serializers.CharField(allow_null=True)
    weekStart = serializers.CharField()
    brandColor = serializers.CharField(allow_null=True)
    darkBrandColor = serializers.CharField(allow_null=True)
    theme = serializers.CharField(allow_null=True)


class BookingFieldOut(serializers.Serializer):
    type = serializers.CharField()
    slug = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()
    hidden = serializers.BooleanField()
    isDefault = serializers.BooleanField()
    placeholder = serializers.CharField(required=False)
    options = serializers.ListField(child=serializers.CharField(), required=False)
    disableOnPrefill = serializers.BooleanField(required=False)


class RecurrenceOut(serializers.Serializer):
    frequency = serializers.ChoiceField(choices=EventType.RecurrenceFrequency.values)
    interval = serializers.IntegerField()
    occurrences = serializers.IntegerField()


class SeatsOut(serializers.Serializer):
    seatsPerTimeSlot = serializers.IntegerField()
    showAttendeeInfo = serializers.BooleanField()
    showAvailabilityCount = serializers.BooleanField()


class DisableCancellingOut(serializers.Serializer):
    disabled = serializers.BooleanField()


class DisableReschedulingOut(serializers.Serializer):
    disabled = serializers.BooleanField()
    minutesBefore = serializers.IntegerField(required=False)


class EventTypeSettingsOut(serializers.Serializer):
    id = serializers.IntegerField()
    lengthInMinutes = serializers.IntegerField()
    lengthInMinutesOptions = serializers.ListField(child=serializers.IntegerField(), required=False)
    title = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    locations = serializers.ListField(
        child=serializers.DictField(), help_text='Typed locations, e.g. {"type": "address", ...}'
    )
    bookingFields = BookingFieldOut(many=True)
    disableGuests = serializers.BooleanField()
    slotInterval = serializers.IntegerField(allow_null=True)
    minimumBookingNotice = serializers.IntegerField()
    beforeEventBuffer = serializers.IntegerField()
    afterEventBuffer = serializers.IntegerField()
    recurrence = RecurrenceOut(allow_null=True)
    metadata = serializers.DictField()
    price = serializers.IntegerField()
    currency = serializers.CharField()
    lockTimeZoneToggleOnBookingPage = serializers.BooleanField()
    seatsPerTimeSlot = serializers.IntegerField(allow_null=True)
    seatsShowAvailabilityCount = serializers.BooleanField(allow_null=True)
    forwardParamsSuccessRedirect = serializers.BooleanField(allow_null=True)
    successRedirectUrl = serializers.URLField(allow_null=True)
    isInstantEvent = serializers.BooleanField()
    scheduleId = serializers.IntegerField(allow_null=True)
    hidden = serializers.BooleanField()
    bookingRequiresAuthentication = serializers.BooleanField()
    requiresBookerEmailVerification = serializers.BooleanField()
    bookingLimitsCount = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text="Per day/week/month/year"
    )
    bookingLimitsDuration = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text="Minutes per period"
    )
    bookingWindow = serializers.DictField(
        required=False, help_text="{type: businessDays|calendarDays|range, value, rolling}"
    )
    confirmationPolicy = serializers.DictField(
        required=False, help_text="{type: always|time, noticeThreshold?, ...}"
    )
    seats = SeatsOut(required=False)
    customName = serializers.CharField(required=False)
    disableCancelling = DisableCancellingOut()
    disableRescheduling = DisableReschedulingOut()
    allowDoubleBooking = serializers.BooleanField(help_text="Extension")
    requiresAttendeeEmailConfirmation = serializers.BooleanField(help_text="Extension")
    cancellationCutoffMinutes = serializers.IntegerField(allow_null=True, help_text="Extension")
    reminderOffsets = serializers.ListField(child=serializers.IntegerField(), help_text="Extension")
    bookingUrl = serializers.URLField()


class EventTypeOut(EventTypeSettingsOut):
    ownerId = serializers.IntegerField()
    users = UserOut(many=True)


class TeamEventTypeOut(EventTypeSettingsOut):
    teamId = serializers.IntegerField()
    ownerId = serializers.IntegerField(allow_null=True)
    parentEventTypeId = serializers.IntegerField(allow_null=True)
    schedulingType = serializers.ChoiceField(choices=EventType.SchedulingType.values)
    hosts = HostOut(many=True)
    team = TeamOut()


class DeletedEventTypeOut(serializers.Serializer):
    id = serializers.IntegerField()
    lengthInMinutes = serializers.IntegerField()
    title = serializers.CharField()
    slug = serializers.CharField()


class PrivateLinkOut(serializers.Serializer):
    linkId = serializers.CharField()
    eventTypeId = serializers.IntegerField()
    isExpired = serializers.BooleanField()
    bookingUrl = serializers.URLField()
    expiresAt = serializers.DateTimeField(required=False, help_text="Time-based links")
    maxUsageCount = serializers.IntegerField(required=False, help_text="Usage-based links")
    usageCount = serializers.IntegerField(required=False, help_text="Usage-based links")


class DeletedPrivateLinkOut(serializers.Serializer):
    linkId = serializers.CharField()
    message = serializers.CharField()


class AvailabilityOut(serializers.Serializer):
    days = serializers.ListField(child=serializers.ChoiceField(choices=list(DAY_NAMES.values())))
    startTime = serializers.CharField()
    endTime = serializers.CharField()


class OverrideOut(serializers.Serializer):
    date = serializers.DateField()
    startTime = serializers.CharField()
    endTime = serializers.CharField()


class ScheduleOut(serializers.Serializer):
    id = serializers.IntegerField()
    ownerId = serializers.IntegerField()
    name = serializers.CharField()
    timeZone = serializers.CharField()
    availability = AvailabilityOut(many=True)
    isDefault = serializers.BooleanField()
    overrides = OverrideOut(many=True)
