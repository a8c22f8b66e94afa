from django.urls import path

from api.bookings import detail_views as views

urlpatterns = [
    path(
        "bookings/<str:uid>/attendees",
        views.BookingAttendeesView.as_view(),
        name="booking-attendees",
    ),
    path(
        "bookings/<str:uid>/attendees/<str:attendee_id>",
        views.BookingAttendeeView.as_view(),
        name="booking-attendee",
    ),
    path("bookings/<str:uid>/guests", views.BookingGuestsView.as_view(), name="booking-guests"),
    path(
        "bookings/<str:uid>/location", views.BookingLocationView.as_view(), name="booking-location"
    ),
    path(
        "bookings/<str:uid>/calendar-links",
        views.BookingCalendarLinksView.as_view(),
        name="booking-calendar-links",
    ),
    path(
        "bookings/<str:uid>/references",
        views.BookingReferencesView.as_view(),
        name="booking-references",
    ),
    path("bookings/<str:uid>/notes", views.BookingNotesView.as_view(), name="booking-notes"),
    path("bookings/<str:uid>/history", views.BookingHistoryView.as_view(), name="booking-history"),
    path("bookings/<str:uid>/ics", views.BookingIcsView.as_view(), name="booking-ics"),
]
