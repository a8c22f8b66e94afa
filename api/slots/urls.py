from django.urls import path

from api.slots import views as slot_views

urlpatterns = [
    path("slots", slot_views.SlotsView.as_view(), name="slots"),
    path("slots/explain", slot_views.ExplainView.as_view(), name="slot-explain"),
    path("slots/reservations", slot_views.ReservationsView.as_view(), name="slot-reservations"),
    path(
        "slots/reservations/<str:uid>",
        slot_views.ReservationDetailView.as_view(),
        name="slot-reservation",
    ),
]
