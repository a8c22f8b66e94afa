from api.eventtypes.views import EventTypeViewSet, PrivateLinkViewSet, TeamEventTypeViewSet
from api.routers import ApiRouter

router = ApiRouter()
router.register("event-types", EventTypeViewSet, basename="event-type")
router.register(
    "event-types/<int:event_type_id>/private-links",
    PrivateLinkViewSet,
    basename="event-type-private-link",
)
router.register("teams/<int:team_id>/event-types", TeamEventTypeViewSet, basename="team-event-type")
urlpatterns = router.urls
