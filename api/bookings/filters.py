"""The filters and sorting of the booking list (GET /v2/bookings), from the query string checked
by BookingListQuery.

Not a django-filter FilterSet: its form fields answer bad input with Django's messages ("Enter a
whole number.", "Select a valid choice. …") where the API has always answered with DRF's ("A
valid integer is required.", "\"up\" is not a valid choice."), and the lenient dates, the comma
lists and the lifecycle statuses would each need a custom filter; keeping the errors the same
would take more code than these two tables.
"""

from bookings.models import Booking
from bookings.queries import filter_by_statuses

SORTS = {
    "sortStart": "start",
    "sortEnd": "end",
    "sortCreated": "created_at",
    "sortUpdatedAt": "updated_at",
}
RANGES = {
    "afterStart": "start__gte",
    "beforeEnd": "end__lte",
    "afterCreatedAt": "created_at__gte",
    "beforeCreatedAt": "created_at__lte",
    "afterUpdatedAt": "updated_at__gte",
    "beforeUpdatedAt": "updated_at__lte",
}


def list_bookings(user, filters: dict, now):
    bookings = Booking.objects.managed_by(user)
    if filters.get("status"):
        bookings = filter_by_statuses(bookings, filters["status"], now)
    if "attendeeEmail" in filters:
        bookings = bookings.filter(attendees__email__iexact=filters["attendeeEmail"])
    if "attendeeName" in filters:
        bookings = bookings.filter(attendees__name__icontains=filters["attendeeName"])
    if "bookingUid" in filters:
        bookings = bookings.filter(uid=filters["bookingUid"])
    event_type_ids = filters.get("eventTypeIds", []) + (
        [filters["eventTypeId"]] if "eventTypeId" in filters else []
    )
    if event_type_ids:
        bookings = bookings.filter(event_type_id__in=event_type_ids)
    team_ids = filters.get("teamsIds", []) + ([filters["teamId"]] if "teamId" in filters else [])
    if team_ids:
        bookings = bookings.filter(event_type__team_id__in=team_ids)
    for name, lookup in RANGES.items():
        if name in filters:
            bookings = bookings.filter(**{lookup: filters[name]})
    order = [
        ("-" if filters[name] == "desc" else "") + field
        for name, field in SORTS.items()
        if name in filters
    ]
    return bookings.distinct().order_by(*(order or ["start"]), "id")
