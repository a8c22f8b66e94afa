from django.urls import path

from api.bookings import lifecycle_views as views

urlpatterns = [
    path("bookings/<str:uid>/cancel", views.CancelBookingView.as_view(), name="booking-cancel"),
    path(
        "bookings/<str:uid>/reschedule",
        views.RescheduleBookingView.as_view(),
        name="booking-reschedule",
    ),
    path("bookings/<str:uid>/confirm", views.ConfirmBookingView.as_view(), name="booking-confirm"),
    path("bookings/<str:uid>/decline", views.DeclineBookingView.as_view(), name="booking-decline"),
    path(
        "bookings/<str:uid>/mark-absent", views.MarkAbsentView.as_view(), name="booking-mark-absent"
    ),
    path(
        "bookings/<str:uid>/mark-attended",
        views.MarkAttendedView.as_view(),
        name="booking-mark-attended",
    ),
    path(
        "bookings/<str:uid>/reassign", views.ReassignBookingView.as_view(), name="booking-reassign"
    ),
    path(
        "bookings/<str:uid>/reassign/<int:userId>",
        views.ReassignBookingToUserView.as_view(),
        name="booking-reassign-to-user",
    ),
    path(
        "bookings/<str:uid>/confirm-email",
        views.ConfirmEmailView.as_view(),
        name="booking-confirm-email",
    ),
    path(
        "bookings/<str:uid>/occurrences",
        views.OccurrencesView.as_view(),
        name="booking-occurrences",
    ),
    path(
        "bookings/<str:uid>/occurrences/cancel",
        views.CancelOccurrenceView.as_view(),
        name="booking-occurrence-cancel",
    ),
    path(
        "bookings/<str:uid>/cancel-future",
        views.CancelFutureView.as_view(),
        name="booking-cancel-future",
    ),
]
