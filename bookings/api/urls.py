from django.urls import include, path

from bookings.api import views

urlpatterns = [
    path("bookings", views.BookingsView.as_view(), name="bookings"),
    path(
        "bookings/by-seat/<str:seat_uid>", views.BookingBySeatView.as_view(), name="booking-by-seat"
    ),
    path("bookings/<str:uid>", views.BookingDetailView.as_view(), name="booking"),
    path("", include("bookings.api.lifecycle_urls")),
    path("", include("bookings.api.detail_urls")),
    path("", include("bookings.api.slot_urls")),
]
