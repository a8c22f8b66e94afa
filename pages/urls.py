from django.urls import path

from pages.views import booking, decide, demo_calendar, directory, manage

app_name = "pages"

urlpatterns = [
    path("", directory.home, name="home"),
    path("calendars/demo.ics", demo_calendar.demo_feed, name="demo-calendar"),
    path("booking/<str:uid>/", manage.booking_detail, name="booking"),
    path("booking/<str:uid>/reschedule", manage.reschedule, name="reschedule"),
    path("booking/<str:uid>/cancel", manage.cancel, name="cancel"),
    path("booking/<str:uid>/confirm-email", manage.confirm_email, name="confirm-email"),
    path("booking/<str:uid>/decide", decide.decide, name="decide"),
    path("d/<str:link_hash>/<slug:slug>/", booking.private_link_event, name="private-link"),
    path("team/<slug:team_slug>/", directory.team_profile, name="team"),
    path("team/<slug:team_slug>/<slug:slug>/", booking.team_event, name="team-event"),
    path("<str:username>/", directory.profile, name="profile"),
    path("<str:username>/<slug:slug>/", booking.user_event, name="event"),
]
