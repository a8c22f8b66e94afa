"""Event types in Cal.com's oldest version, 2024-04-15: what Cal.com serves when a request names
no `cal-api-version`, and what clients written for it (Cal.com's npm SDK, MCP servers) expect.

    POST   /v2/event-types       {title, slug, length, ...}  -> the event type, flat (201)
    GET    /v2/event-types       {eventTypeGroups, profiles, allUsersAcrossAllEventTypes}
    GET    /v2/event-types/{id}  {eventType, locationOptions, destinationCalendar, team, ...}
    PATCH  /v2/event-types/{id}  the event type, flat
    DELETE /v2/event-types/{id}  {id, length, slug, title}

The same services and access rules as 2024-06-14 (api/eventtypes/views.py); only the shapes
differ. Locations are written as that version wrote them ({"type": "inPerson", "address": ...},
{"type": "integrations:daily"}, ...).
"""

from django.conf import settings as django_settings
from rest_framework import serializers

from api.eventtypes.loading import fresh, with_output_relations
from api.eventtypes.serializers import EventTypeListQuery
from api.fields import StrictBooleanField, StrictIntegerField
from api.operations import operation
from api.serializers import OldestVersionInput
from api.views import ApiViewSet
from bookings.representation import Output
from eventtypes import permissions, services
from eventtypes.models import EventType

# 2024-04-15 location types <-> ours (the integration's name where it is one).
LOCATION_KINDS = {
    "inPerson": ("address", "address"),
    "link": ("link", "link"),
    "userPhone": ("phone", "hostPhoneNumber"),
    "attendeeInPerson": ("attendeeAddress", None),
    "phone": ("attendeePhone", None),
    "somewhereElse": ("attendeeDefined", None),
}
INTEGRATIONS = {
    "integrations:daily": "cal-video",
    "integrations:zoom": "zoom",
    "integrations:google:meet": "google-meet",
    "integrations:office365_video": "office365-video",
}
INTEGRATION_TYPES = {ours: theirs for theirs, ours in INTEGRATIONS.items()}
SCHEDULING_TYPES = {"roundRobin": "ROUND_ROBIN", "collective": "COLLECTIVE"}
PERIOD_TYPES = {
    EventType.BookingWindow.UNLIMITED: "UNLIMITED",
    EventType.BookingWindow.CALENDAR_DAYS: "ROLLING",
    EventType.BookingWindow.BUSINESS_DAYS: "ROLLING",
    EventType.BookingWindow.RANGE: "RANGE",
}
# Question types of 2024-04-15 that ours know under another name.
QUESTION_TYPES = {"radioInput": "radio"}


def from_location(location: dict) -> dict:
    kind = location["type"]
    if kind in INTEGRATIONS:
        return {"type": "integration", "integration": INTEGRATIONS[kind]}
    if kind.startswith("integrations:"):
        return {"type": "integration", "integration": kind.removeprefix("integrations:")}
    ours, value_key = LOCATION_KINDS[kind]
    converted = {"type": ours}
    if value_key:
        converted[ours] = location.get(value_key, "")
        # As in Cal.com, the host's address, link or number is shown before booking only when
        # said so.
        converted["public"] = location.get("displayLocationPublicly", False)
    return converted


def to_location(location: dict) -> dict:
    kind = location.get("type")
    if kind == "integration":
        name = location.get("integration", "")
        return {"type": INTEGRATION_TYPES.get(name, f"integrations:{name}")}
    for theirs, (ours, value_key) in LOCATION_KINDS.items():
        if kind == ours:
            converted = {"type": theirs}
            if value_key:
                converted[value_key] = location.get(ours, "")
                converted["displayLocationPublicly"] = location.get("public", True)
            return converted
    return {"type": kind}


# --- Inputs -------------------------------------------------------------------------------------


class LocationInput_2024_04_15(serializers.Serializer):  # noqa: N801
    type = serializers.CharField(max_length=100)
    link = serializers.URLField(required=False, max_length=1000)
    address = serializers.CharField(required=False, max_length=1000)
    displayLocationPublicly = StrictBooleanField(required=False)
    hostPhoneNumber = serializers.CharField(required=False, max_length=30)
    credentialId = StrictIntegerField(required=False, help_text="Ignored")
    teamName = serializers.CharField(required=False, max_length=200, help_text="Ignored")

    def validate_type(self, value):
        if value in LOCATION_KINDS or value.startswith("integrations:"):
            return value
        known = ", ".join([*LOCATION_KINDS, "integrations:<app>"])
        raise serializers.ValidationError(f"Unknown location type '{value}'; one of {known}.")

    def to_internal_value(self, data):
        return from_location(super().to_internal_value(data))


class OptionInput(serializers.Serializer):
    value = serializers.CharField(max_length=200)
    label = serializers.CharField(max_length=200, required=False, allow_blank=True)


class BookingFieldInput_2024_04_15(serializers.Serializer):  # noqa: N801
    """A booking question. Cal.com's built-in ones (editable "system...") are always asked here
    and are left out; the others become questions."""

    name = serializers.RegexField(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
    type = serializers.CharField(max_length=30)
    label = serializers.CharField(required=False, max_length=200, allow_blank=True)
    defaultLabel = serializers.CharField(required=False, max_length=200, allow_blank=True)
    placeholder = serializers.CharField(required=False, max_length=200, allow_blank=True)
    required = StrictBooleanField(required=False, default=False)
    hidden = StrictBooleanField(required=False, default=False)
    editable = serializers.CharField(required=False, max_length=30)
    options = OptionInput(many=True, required=False)

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        if str(data.get("editable", "")).startswith("system"):
            return {}  # left out by to_settings
        question = {
            "slug": data["name"],
            "type": QUESTION_TYPES.get(data["type"], data["type"]),
            "label": data.get("label") or data.get("defaultLabel") or data["name"],
            "required": data["required"],
            "hidden": data["hidden"],
        }
        if data.get("placeholder"):
            question["placeholder"] = data["placeholder"]
        if data.get("options"):
            question["options"] = [option["value"] for option in data["options"]]
        return question


class EventTypeInput_2024_04_15(OldestVersionInput):  # noqa: N801
    """What 2024-04-15 lets a change set (each optional)."""

    length = StrictIntegerField(required=False, min_value=1, max_value=24 * 60, help_text="Minutes")
    slug = serializers.SlugField(required=False, max_length=100)
    title = serializers.CharField(required=False, max_length=200)
    description = serializers.CharField(required=False, max_length=10_000, allow_blank=True)
    hidden = StrictBooleanField(required=False)
    locations = LocationInput_2024_04_15(many=True, required=False, max_length=20)
    disableGuests = StrictBooleanField(required=False)
    slotInterval = StrictIntegerField(required=False, min_value=0, max_value=24 * 60)
    minimumBookingNotice = StrictIntegerField(required=False, min_value=0, max_value=525_600)
    beforeEventBuffer = StrictIntegerField(required=False, min_value=0, max_value=24 * 60)
    afterEventBuffer = StrictIntegerField(required=False, min_value=0, max_value=24 * 60)
    bookingFields = BookingFieldInput_2024_04_15(many=True, required=False, max_length=50)
    seatsPerTimeSlot = StrictIntegerField(required=False, min_value=1, max_value=1000)

    MODEL_FIELDS = {
        "length": "length_minutes",
        "slug": "slug",
        "title": "title",
        "description": "description",
        "hidden": "hidden",
        "locations": "locations",
        "disableGuests": "disable_guests",
        "slotInterval": "slot_interval",
        "minimumBookingNotice": "minimum_booking_notice",
        "beforeEventBuffer": "before_event_buffer",
        "afterEventBuffer": "after_event_buffer",
        "bookingFields": "booking_fields",
        "seatsPerTimeSlot": "seats_per_time_slot",
    }

    def to_settings(self) -> dict:
        data = dict(self.validated_data)
        if "slotInterval" in data:
            data["slotInterval"] = data["slotInterval"] or None  # 0: the length's own step
        if "bookingFields" in data:
            data["bookingFields"] = [field for field in data["bookingFields"] if field]
        return {self.MODEL_FIELDS[name]: value for name, value in data.items()}


class CreateEventTypeInput_2024_04_15(EventTypeInput_2024_04_15):  # noqa: N801
    """What 2024-04-15 takes to create one: a title, a slug and a length; no questions or seats
    yet (a change adds them)."""

    length = StrictIntegerField(min_value=1, max_value=24 * 60, help_text="Minutes")
    slug = serializers.SlugField(max_length=100)
    title = serializers.CharField(max_length=200)
    bookingFields = None
    seatsPerTimeSlot = None


# --- Outputs ------------------------------------------------------------------------------------


class EventTypeOutput_2024_04_15(Output):  # noqa: N801
    """An event type as 2024-04-15 shows it: the columns of Cal.com's event type row."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    length = serializers.IntegerField(source="length_minutes")
    hidden = serializers.BooleanField()
    position = serializers.SerializerMethodField()
    offsetStart = serializers.SerializerMethodField()
    userId = serializers.IntegerField(source="owner_id", allow_null=True)
    teamId = serializers.IntegerField(source="team_id", allow_null=True)
    eventName = serializers.SerializerMethodField()
    locations = serializers.SerializerMethodField()
    bookingFields = serializers.SerializerMethodField()
    timeZone = serializers.SerializerMethodField()
    periodType = serializers.SerializerMethodField()
    periodStartDate = serializers.SerializerMethodField()
    periodEndDate = serializers.SerializerMethodField()
    periodDays = serializers.IntegerField(source="booking_window_days", allow_null=True)
    periodCountCalendarDays = serializers.SerializerMethodField()
    requiresConfirmation = serializers.BooleanField(source="requires_confirmation")
    requiresBookerEmailVerification = serializers.BooleanField(source="requires_attendee_opt_in")
    recurringEvent = serializers.SerializerMethodField()
    disableGuests = serializers.BooleanField(source="disable_guests")
    minimumBookingNotice = serializers.IntegerField(source="minimum_booking_notice")
    beforeEventBuffer = serializers.IntegerField(source="before_event_buffer")
    afterEventBuffer = serializers.IntegerField(source="after_event_buffer")
    seatsPerTimeSlot = serializers.IntegerField(source="seats_per_time_slot", allow_null=True)
    seatsShowAttendees = serializers.BooleanField(source="seats_show_attendees")
    seatsShowAvailabilityCount = serializers.BooleanField(source="seats_show_availability_count")
    schedulingType = serializers.SerializerMethodField()
    scheduleId = serializers.IntegerField(source="schedule_id", allow_null=True)
    price = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    slotInterval = serializers.IntegerField(source="slot_interval", allow_null=True)
    metadata = serializers.SerializerMethodField()
    successRedirectUrl = serializers.SerializerMethodField()
    isInstantEvent = serializers.BooleanField(source="instant_meetings_allowed")

    def get_position(self, event_type) -> int:
        return 0

    def get_offsetStart(self, event_type) -> int:
        return 0

    def get_eventName(self, event_type) -> str | None:
        return event_type.custom_title or None

    def get_locations(self, event_type) -> list[dict]:
        return [to_location(location) for location in event_type.locations or []]

    def get_bookingFields(self, event_type) -> list[dict] | None:
        questions = event_type.booking_fields or []
        return [
            {
                "name": question["slug"],
                "type": question["type"],
                "label": question.get("label", ""),
                "required": question.get("required", False),
                "hidden": question.get("hidden", False),
                "editable": "user",
                **(
                    {"options": [{"value": o, "label": o} for o in question["options"]]}
                    if question.get("options")
                    else {}
                ),
            }
            for question in questions
        ] or None

    def get_timeZone(self, event_type) -> str | None:
        return None

    def get_periodType(self, event_type) -> str:
        return PERIOD_TYPES.get(event_type.booking_window_type, "UNLIMITED")

    def get_periodStartDate(self, event_type) -> str | None:
        day = event_type.booking_window_start
        return f"{day.isoformat()}T00:00:00.000Z" if day else None

    def get_periodEndDate(self, event_type) -> str | None:
        day = event_type.booking_window_end
        return f"{day.isoformat()}T00:00:00.000Z" if day else None

    def get_periodCountCalendarDays(self, event_type) -> bool | None:
        if event_type.booking_window_type == EventType.BookingWindow.UNLIMITED:
            return None
        return event_type.booking_window_type == EventType.BookingWindow.CALENDAR_DAYS

    def get_recurringEvent(self, event_type) -> dict | None:
        if not event_type.recurrence_frequency:
            return None
        frequencies = {"yearly": 0, "monthly": 1, "weekly": 2}
        return {
            "freq": frequencies.get(event_type.recurrence_frequency, 2),
            "count": event_type.recurrence_max_occurrences,
            "interval": event_type.recurrence_interval or 1,
        }

    def get_schedulingType(self, event_type) -> str | None:
        return SCHEDULING_TYPES.get(event_type.scheduling_type or "")

    def get_price(self, event_type) -> int:
        return 0

    def get_currency(self, event_type) -> str:
        return "usd"

    def get_metadata(self, event_type) -> dict:
        return {}

    def get_successRedirectUrl(self, event_type) -> str | None:
        return event_type.success_redirect_url or None


class ProfileOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    image = serializers.CharField(allow_null=True)


class GroupMetadataOutput(serializers.Serializer):
    membershipCount = serializers.IntegerField()
    readOnly = serializers.BooleanField()


class EventTypeGroupOutput(serializers.Serializer):
    teamId = serializers.IntegerField(allow_null=True)
    bookerUrl = serializers.CharField()
    membershipRole = serializers.CharField(allow_null=True)
    profile = ProfileOutput()
    metadata = GroupMetadataOutput()
    eventTypes = EventTypeOutput_2024_04_15(many=True)


class GroupProfileOutput(ProfileOutput):
    teamId = serializers.IntegerField(allow_null=True)
    membershipRole = serializers.CharField(allow_null=True)
    membershipCount = serializers.IntegerField()
    readOnly = serializers.BooleanField()


class EventTypeGroupsOutput_2024_04_15(serializers.Serializer):  # noqa: N801
    eventTypeGroups = EventTypeGroupOutput(many=True)
    profiles = GroupProfileOutput(many=True)
    allUsersAcrossAllEventTypes = serializers.DictField()


class EventTypeDetailOutput_2024_04_15(serializers.Serializer):  # noqa: N801
    eventType = EventTypeOutput_2024_04_15()
    locationOptions = serializers.ListField(child=serializers.DictField())
    destinationCalendar = serializers.DictField(allow_null=True)
    team = serializers.DictField(allow_null=True)
    currentUserMembership = serializers.DictField(allow_null=True)
    isUserOrganizationAdmin = serializers.BooleanField()


class DeletedEventTypeOutput_2024_04_15(serializers.Serializer):  # noqa: N801
    id = serializers.IntegerField()
    length = serializers.IntegerField(source="length_minutes")
    slug = serializers.CharField()
    title = serializers.CharField()


def groups_of(user) -> dict:
    """The caller's own event types, then each team's they belong to, as Cal.com groups them."""
    booker_url = django_settings.SITE_URL
    own = list(
        with_output_relations(EventType.objects.filter(owner=user), hosts=False).order_by("id")
    )
    groups = [
        {
            "teamId": None,
            "bookerUrl": booker_url,
            "membershipRole": None,
            "profile": {"slug": user.username, "name": user.name or user.username, "image": None},
            "metadata": {"membershipCount": 1, "readOnly": False},
            "eventTypes": own,
        }
    ]
    memberships = user.memberships.select_related("team").order_by("team_id")
    for membership in memberships:
        team = membership.team
        events = with_output_relations(EventType.objects.filter(team=team), hosts=False)
        groups.append(
            {
                "teamId": team.id,
                "bookerUrl": booker_url,
                "membershipRole": membership.role.upper(),
                "profile": {"slug": f"team/{team.slug}", "name": team.name, "image": None},
                "metadata": {
                    "membershipCount": team.memberships.count(),
                    "readOnly": membership.role == "member",
                },
                "eventTypes": list(events.order_by("id")),
            }
        )
    profiles = [
        {
            **group["profile"],
            **group["metadata"],
            "teamId": group["teamId"],
            "membershipRole": group["membershipRole"],
        }
        for group in groups
    ]
    return {"eventTypeGroups": groups, "profiles": profiles, "allUsersAcrossAllEventTypes": {}}


class EventTypeViewSet_2024_04_15(ApiViewSet):  # noqa: N801
    api_version = None  # reached only without the header (api/eventtypes/views.py)
    tag = "Event types (2024-04-15)"
    lookup_field = "event_type_id"
    lookup_value_converter = "int"

    @operation(
        "getEventTypes_2024_04_15",
        query=EventTypeListQuery,
        output=EventTypeGroupsOutput_2024_04_15,
        deprecated=True,
    )
    def list(self, request):
        """List your event types and your teams' (Cal.com 2024-04-15)

        The current version's filters are checked (the document lists them for both) but do
        not narrow this listing, as in Cal.com.
        """
        self.query()
        return self.respond(groups_of(request.user))

    @operation(
        "createEventType_2024_04_15",
        body=CreateEventTypeInput_2024_04_15,
        output=EventTypeOutput_2024_04_15,
        status=201,
        deprecated=True,
    )
    def create(self, request):
        """Create an event type (Cal.com 2024-04-15)"""
        settings = self.body().to_settings()
        event_type = services.create_event_type(owner=request.user, settings=settings)
        return self.respond(fresh(event_type.pk))

    @operation("getEventType_2024_04_15", output=EventTypeDetailOutput_2024_04_15, deprecated=True)
    def retrieve(self, request, event_type_id):
        """Get an event type (Cal.com 2024-04-15)"""
        events = with_output_relations(EventType.objects.all())
        event_type = permissions.readable_event_type(request.user, event_type_id, events)
        return self.respond(
            {
                "eventType": event_type,
                "locationOptions": [],
                "destinationCalendar": None,
                "team": (
                    {"id": event_type.team_id, "name": event_type.team.name}
                    if event_type.team_id
                    else None
                ),
                "currentUserMembership": None,
                "isUserOrganizationAdmin": False,
            }
        )

    @operation(
        "updateEventType_2024_04_15",
        body=EventTypeInput_2024_04_15,
        output=EventTypeOutput_2024_04_15,
        errors=(403, 409),
        deprecated=True,
    )
    def partial_update(self, request, event_type_id):
        """Change an event type (Cal.com 2024-04-15)"""
        event_type = permissions.managed_event_type(request.user, event_type_id)
        services.update_event_type(event_type, self.body().to_settings())
        return self.respond(fresh(event_type.pk))

    @operation(
        "deleteEventType_2024_04_15",
        output=DeletedEventTypeOutput_2024_04_15,
        errors=(403,),
        deprecated=True,
    )
    def destroy(self, request, event_type_id):
        """Delete an event type (Cal.com 2024-04-15)"""
        event_type = permissions.managed_event_type(request.user, event_type_id)
        services.delete_event_type(event_type)
        event_type.pk = event_type_id
        return self.respond(event_type)
