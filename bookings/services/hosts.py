"""Who hosts a booking: the owner of a personal event type, or the team's hosts chosen for the
slot (every host of a collective type; the fixed hosts and one rotating host of a round-robin
type, ranked by priority and recent load)."""

from bookings.errors import InvalidInput, NoHostAvailable
from bookings.slots import SlotSearch, find_slots
from eventtypes import availability
from eventtypes.models import EventType


def host_user_ids(event_type: EventType) -> list[int]:
    """The users whose time a booking of the event type may take (and whom a write locks)."""
    if event_type.is_team_event:
        return list(event_type.hosts.values_list("user_id", flat=True))
    return [event_type.owner_id]


def choose_hosts(event_type, slot, search: SlotSearch, host_ids=None) -> tuple[int, list[int]]:
    """(organizer, all hosts) for a new booking of `slot`, or of the seated booking it joins.

    host_ids: the hosts the caller asks for (round robin chooses among them).
    """
    if not event_type.is_team_event:
        return event_type.owner_id, [event_type.owner_id]
    free = [search.hosts[host_id] for host_id in slot.host_ids if host_id in search.hosts]
    if slot.booking_uid or not free:
        # Joining a seated booking: its hosts, even one who has left the event type since.
        return slot.host_ids[0], list(slot.host_ids)
    if event_type.scheduling_type == EventType.SchedulingType.COLLECTIVE:
        ordered = sorted(free, key=lambda h: (-h.priority, h.host_id))
        return ordered[0].host_id, [h.host_id for h in ordered]
    fixed = [h.host_id for h in free if h.is_fixed]
    candidates = [h for h in free if not h.is_fixed]
    if host_ids is not None:
        chosen_rotating = [h for h in candidates if h.host_id in host_ids]
        named_rotating = set(host_ids) - set(fixed)
        if chosen_rotating:
            candidates = chosen_rotating
        elif named_rotating or not any(h in host_ids for h in fixed):
            raise NoHostAvailable("None of the chosen hosts is free at that time.")
        # Only fixed hosts named: they join as always, and a rotating host is still chosen.
    if not candidates:
        return fixed[0], fixed
    chosen = availability.choose_round_robin_host(candidates).host_id
    return chosen, [chosen, *fixed]


def ranked_choices(event_type, slot, search: SlotSearch, host_ids=None) -> list:
    """The (organizer, hosts) choices for `slot` in the order they would be made: the choice
    of choose_hosts, then, for round robin, each other free rotating host with the fixed ones
    (a series tries them in turn until one is free at every occurrence)."""
    ranked = [choose_hosts(event_type, slot, search, host_ids)]
    if event_type.scheduling_type == EventType.SchedulingType.ROUND_ROBIN:
        rotating = [
            search.hosts[h]
            for h in slot.host_ids
            if not search.hosts[h].is_fixed and (host_ids is None or h in host_ids)
        ]
        fixed = [h for h in slot.host_ids if search.hosts[h].is_fixed]
        rotating.sort(key=availability.round_robin_rank)
        ranked += [(h.host_id, [h.host_id, *fixed]) for h in rotating[1:]]
    return ranked


def reassignment_target(booking, event_type, to_user_id, now) -> int:
    """The host a round-robin booking moves to: the one named, if they host the event type,
    are free then and not already in the booking; else the best other free rotating host."""
    search = find_slots(
        event_type,
        booking.start,
        booking.start + (booking.end - booking.start) / 1000,
        now=min(now, booking.start),
        length=booking.duration_minutes,
        exclude_booking_uid=booking.uid,
        all_hosts=True,
    )
    slot = search.slot_at(booking.start)
    free = set(slot.host_ids) if slot else set()
    current = booking.organizer_id
    if to_user_id is not None:
        if to_user_id not in search.hosts:
            raise InvalidInput(f"User {to_user_id} is not a host of this event type.")
        if booking.booking_hosts.filter(user_id=to_user_id).exists():
            raise InvalidInput("That host already takes part in this booking.")
        if to_user_id not in free:
            raise NoHostAvailable("That host is not free at the time of the booking.")
        return to_user_id
    candidates = [search.hosts[h] for h in free if h != current and not search.hosts[h].is_fixed]
    if not candidates:
        raise NoHostAvailable("No other host is free at the time of the booking.")
    return availability.choose_round_robin_host(candidates).host_id
