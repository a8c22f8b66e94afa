"""Event types loaded with what their outputs show, in a fixed number of queries."""

from django.db.models import Prefetch

from eventtypes.models import EventType, Host


def with_output_relations(event_types, *, hosts=True):
    """What the output needs, in a fixed number of queries."""
    event_types = event_types.select_related("owner", "team")
    if hosts:
        event_types = event_types.prefetch_related(
            Prefetch("hosts", queryset=Host.objects.select_related("user"))
        )
    return event_types


def fresh(event_type_id: int) -> EventType:
    return with_output_relations(EventType.objects.filter(pk=event_type_id)).get()
