from django.urls import path

from api.eventtypes import views

urlpatterns = [
    path("event-types", views.EventTypesView.as_view(), name="event-types"),
    path(
        "event-types/<int:event_type_id>",
        views.EventTypeDetailView.as_view(),
        name="event-type",
    ),
    path(
        "event-types/<int:event_type_id>/private-links",
        views.PrivateLinksView.as_view(),
        name="event-type-private-links",
    ),
    path(
        "event-types/<int:event_type_id>/private-links/<str:link_id>",
        views.PrivateLinkDetailView.as_view(),
        name="event-type-private-link",
    ),
    path(
        "teams/<int:team_id>/event-types",
        views.TeamEventTypesView.as_view(),
        name="team-event-types",
    ),
    path(
        "teams/<int:team_id>/event-types/<int:event_type_id>",
        views.TeamEventTypeDetailView.as_view(),
        name="team-event-type",
    ),
    path("schedules", views.SchedulesView.as_view(), name="schedules"),
    path("schedules/default", views.DefaultScheduleView.as_view(), name="default-schedule"),
    path("schedules/<int:schedule_id>", views.ScheduleDetailView.as_view(), name="schedule"),
]
