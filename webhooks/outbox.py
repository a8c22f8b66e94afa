"""Writing domain events to the outbox (delivery is done by the webhook tasks)."""

from django.db import transaction

from webhooks.models import Event


def record_event(
    type: str,
    payload: dict,
    *,
    user_id=None,
    team_id=None,
    event_type_id=None,
    booking_uid: str = "",
):
    """Add an event to the outbox; must run inside the transaction of the change it reports."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Outbox events are written inside the transaction of their change.")
    return Event.objects.create(
        type=type,
        payload=payload,
        user_id=user_id,
        team_id=team_id,
        event_type_id=event_type_id,
        booking_uid=booking_uid,
    )
