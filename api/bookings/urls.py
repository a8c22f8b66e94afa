from django.urls import include, path

from api.bookings import views

urlpatterns = [
    path("bookings", views.BookingsView.as_view(), name="bookings"),
    path(
        "bookings/by-seat/<str:seat_uid>", views.BookingBySeatView.as_view(), name="booking-by-seat"
    ),
    path("bookings/<str:uid>", views.BookingDetailView.as_view(), name="booking"),
    path("", include("api.bookings.lifecycle_urls")),
    path("", include("api.bookings.detail_urls")),
]
