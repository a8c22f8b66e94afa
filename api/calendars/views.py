"""The caller's own calendars (Cal.com's /v2/calendars, /v2/selected-calendars,
/v2/destination-calendars): connect a CalDAV account (`apple` is iCloud's) or an ICS feed, list
them with their calendars and last sync, choose which calendars block slots and which one
receives bookings, read the busy times synced from one, disconnect.

Each action calls one service of calendars/connections.py and renders its result.
"""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.decorators import action

from api.calendars.serializers import (
    BusyTimeOutput,
    BusyTimesQuery,
    CaldavCredentialsInput,
    ConnectedCalendarsOutput,
    CredentialOutput,
    DestinationCalendarOutput,
    DestinationInput,
    DisconnectInput,
    IcsFeedInput,
    SelectedCalendarInput,
    SelectedCalendarOutput,
    SelectedCalendarQuery,
)
from api.operations import operation
from api.views import ApiViewSet
from calendars import connections
from calendars.errors import CalendarNotFound
from calendars.models import BusyTime, Calendar, Connection

CALDAV_PROVIDERS = ("apple", "caldav")
DISCONNECTABLE = ("apple", "caldav", "ics-feed")


def provider_parameter(allowed) -> OpenApiParameter:
    return OpenApiParameter("calendar", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(allowed))


def provider_problem(calendar: str, allowed) -> None:
    if calendar not in allowed:
        raise exceptions.NotFound(
            f"Unknown calendar provider '{calendar}'; use {', '.join(allowed)}."
        )


class CalendarViewSet(ApiViewSet):
    api_version = None  # Cal.com does not version its calendar endpoints
    tag = "Calendars"

    def connections(self):
        return (
            Connection.objects.filter(user=self.request.user)
            .prefetch_related("calendars")
            .order_by("id")
        )

    @operation("listCalendars", output=ConnectedCalendarsOutput)
    def list(self, request):
        """Your connected calendars

        Each connection (CalDAV account or ICS feed) with its calendars: `isSelected` when its
        events block your slots, `primary` for the one that receives new bookings; and when it
        was last synced, with the error of the last attempt if it failed.
        """
        found = list(self.connections())
        destination = next(
            (c for connection in found for c in connection.calendars.all() if c.add_bookings),
            None,
        )
        return self.respond({"connections": found, "destination": destination})

    @action(detail=False, methods=["post"], url_path="<str:calendar>/credentials")
    @operation(
        "connectCaldavCalendar",
        body=CaldavCredentialsInput,
        output=CredentialOutput,
        status=201,
        errors=(404, 422),
        parameters=(provider_parameter(CALDAV_PROVIDERS),),
    )
    def credentials(self, request, calendar):
        """Connect a CalDAV account

        `apple` connects iCloud (https://caldav.icloud.com/ unless `url` says otherwise) with
        an app-specific password; `caldav` any CalDAV server by `url` (Fastmail, Nextcloud,
        Zimbra, Radicale, ...). The account's calendars are found and synced at once; the
        password is stored encrypted and never shown again.
        """
        provider_problem(calendar, CALDAV_PROVIDERS)
        data = self.body().validated_data
        url = data.get("url") or (connections.ICLOUD_URL if calendar == "apple" else None)
        if url is None:
            raise exceptions.ValidationError({"url": ["A CalDAV account needs its server URL."]})
        connection = connections.connect_caldav(
            request.user, url, data["username"], data["password"]
        )
        return self.respond(connection)

    @action(detail=False, methods=["post"], url_path="ics-feed/save")
    @operation("saveIcsFeed", body=IcsFeedInput, output=CredentialOutput, status=201, errors=(422,))
    def save_ics_feed(self, request):
        """Add ICS feeds

        Each URL (https, http or webcal) is read at once and must be iCalendar; its events then
        block your slots. Feeds are read only. Answers the first feed's connection.
        """
        urls = self.body().validated_data["urls"]
        added = []
        try:
            for url in urls:
                added.append(connections.add_ics_feed(request.user, url))
        except Exception:
            for connection in added:
                connections.disconnect(connection)
            raise
        return self.respond(added[0])

    @action(detail=False, methods=["post"], url_path="<str:calendar>/disconnect")
    @operation("disconnectCalendar", body=DisconnectInput, output=CredentialOutput, errors=(404,))
    def disconnect(self, request, calendar):
        """Disconnect a calendar account or feed

        Its calendars and synced busy times go; events already written into it stay there.
        """
        provider_problem(calendar, DISCONNECTABLE)
        connection = connections.owned_connection(request.user, self.body().validated_data["id"])
        shown = Connection.objects.get(pk=connection.pk)
        connections.disconnect(connection)
        return self.respond(shown)

    @action(detail=False, methods=["get"], url_path="busy-times")
    @operation(
        "listBusyTimes", query=BusyTimesQuery, output=BusyTimeOutput, many=True, errors=(404,)
    )
    def busy_times(self, request):
        """Busy times synced from one of your calendars

        The events that block slots (not free or declined ones) between `dateFrom` and
        `dateTo`, as last synced.
        """
        data = self.query().validated_data
        calendar = (
            Calendar.objects.filter(
                connection_id=data["credentialId"],
                connection__user=request.user,
                url=data["externalId"],
            )
            .select_related("connection")
            .first()
        )
        if calendar is None:
            raise CalendarNotFound(
                f"No calendar {data['externalId']} in connection {data['credentialId']} of yours."
            )
        start = data.get("dateFrom") or timezone.now()
        end = data.get("dateTo") or start + timedelta(days=30)
        busy = BusyTime.objects.filter(
            calendar=calendar, transparent=False, start__lt=end, end__gt=start
        ).order_by("start", "id")
        return self.respond(list(busy), source=calendar.connection.integration)


class SelectedCalendarViewSet(ApiViewSet):
    api_version = None
    tag = "Calendars"

    def find(self, data) -> Calendar:
        return connections.owned_calendar(
            self.request.user, data["credentialId"], data["externalId"]
        )

    @operation(
        "selectCalendar",
        body=SelectedCalendarInput,
        output=SelectedCalendarOutput,
        status=201,
        errors=(404,),
    )
    def create(self, request):
        """Let a calendar's events block your slots"""
        calendar = self.find(self.body().validated_data)
        return self.respond(connections.set_check_conflicts(calendar, True))

    @operation(
        "unselectCalendar",
        query=SelectedCalendarQuery,
        output=SelectedCalendarOutput,
        errors=(404,),
    )
    def destroy_selected(self, request):
        """Stop a calendar's events blocking your slots"""
        calendar = self.find(self.query().validated_data)
        return self.respond(connections.set_check_conflicts(calendar, False))


class DestinationCalendarViewSet(ApiViewSet):
    api_version = None
    tag = "Calendars"

    @operation(
        "setDestinationCalendar",
        body=DestinationInput,
        output=DestinationCalendarOutput,
        errors=(404, 409),
    )
    def update_destination(self, request):
        """Choose the calendar new bookings are written into"""
        data = self.body().validated_data
        calendar = (
            Calendar.objects.filter(user=request.user, url=data["externalId"])
            .select_related("connection")
            .first()
        )
        if calendar is None:
            raise CalendarNotFound(f"No calendar {data['externalId']} of yours.")
        return self.respond(connections.choose_destination(calendar))
