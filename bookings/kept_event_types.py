"""Event types kept between requests by each process, for the slots of an event type named by
its id: looking one up through the ORM costs about as much as reading everything else the slot
engine needs.

A kept event type is never used stale. Its row's version (PostgreSQL's xmin, new with every
update of the row, however it is made) is read again by the very statement that reads the hosts'
availability (bookings/slot_loader.py); if the row changed or is gone, those slots are thrown
away, the event type is looked up afresh and the slots read again. Each process keeps its own,
and all of them see every change, whichever process (or tool) made it. Elsewhere than on
PostgreSQL nothing is kept.
"""

import copy

from bookings import lookup, slot_loader
from bookings.slots import EventTypeChanged
from eventtypes.models import EventType

MAX_KEPT = 1000
# A lookup and the statement after it may each see a different version if the event type keeps
# changing meanwhile; after these many tries the slots are read as without a kept event type.
TRIES = 3

_kept: dict[int, tuple[list, int]] = {}  # by id: (the row's values, its version)
_FIELDS = [field.attname for field in EventType._meta.concrete_fields]


def with_event_type(named: dict, use):
    """use(event_type, row_version) with the event type `named` names (lookup.find_event_type's
    arguments; it raises EventTypeNotFound if there is none). Only one named by its id alone is
    kept (a slug, a username or a team's slug are other rows' to change); the others are
    looked up each time, with row_version None. `use` calls slots.find_slots(...,
    row_version=...), which raises EventTypeChanged when the row is not that version any
    more; it is then called again with the event type as it is now.

    What `use` does with a kept event type before the statement has confirmed it may come from
    a stale one: an error it raises (a duration the event type did not offer, say) is given
    only if the row is still that version; otherwise `use` is called again with the event type
    read afresh."""
    event_type_id = named["event_type_id"]
    if event_type_id is None or named["slug"] or not slot_loader.row_versions_readable():
        return use(lookup.find_event_type(**named, with_people=False), None)
    kept = _kept.get(event_type_id)
    if kept is not None:
        try:
            return use(_instance(*kept), kept[1])
        except EventTypeChanged:
            _kept.pop(event_type_id, None)
        except Exception:
            if _row_version(event_type_id) == kept[1]:
                raise
            _kept.pop(event_type_id, None)
    for _ in range(TRIES):
        event_type = lookup.find_event_type(
            event_type_id=event_type_id, with_people=False, with_row_version=True
        )
        kept = _keep(event_type)
        try:
            return use(_instance(*kept), kept[1])
        except EventTypeChanged:  # changed again between the lookup and the statement
            _kept.pop(event_type_id, None)
    return use(lookup.find_event_type(**named, with_people=False), None)


def _row_version(event_type_id: int) -> int | None:
    rows = slot_loader.with_row_version(EventType.objects.filter(pk=event_type_id))
    return rows.values_list("row_version", flat=True).first()


def _keep(event_type: EventType) -> tuple[list, int]:
    if len(_kept) >= MAX_KEPT:
        _kept.clear()
    kept = ([getattr(event_type, name) for name in _FIELDS], event_type.row_version)
    _kept[event_type.pk] = kept
    return kept


def _instance(values: list, row_version: int) -> EventType:
    """A new instance for each request: what a request does to its event type (or to a list or
    dict in it) stays with that request."""
    values = [copy.deepcopy(v) if isinstance(v, dict | list) else v for v in values]
    event_type = EventType.from_db("default", _FIELDS, values)
    event_type.row_version = row_version
    return event_type
