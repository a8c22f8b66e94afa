from django.urls import path

from api.routers import ApiRouter
from api.webhooks.views import EventTypeWebhookViewSet, TeamWebhookViewSet, UserWebhookViewSet

router = ApiRouter()
router.register("webhooks", UserWebhookViewSet, basename="webhook")
router.register("teams/<int:team_id>/webhooks", TeamWebhookViewSet, basename="team-webhook")

# Cal.com deletes every webhook of an event type with DELETE on the list: a route of its own.
event_type_webhooks = "event-types/<int:event_type_id>/webhooks"
urlpatterns = [
    path(
        event_type_webhooks,
        EventTypeWebhookViewSet.as_view({"get": "list", "post": "create", "delete": "destroy_all"}),
        name="event-type-webhook-list",
    ),
    path(
        f"{event_type_webhooks}/<int:webhook_id>",
        EventTypeWebhookViewSet.as_view(
            {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
        ),
        name="event-type-webhook-detail",
    ),
    *router.urls,
]
