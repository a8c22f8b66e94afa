"""Slots and reservations as Cal.com's slots API (2024-09-04) shows them.

Pure: the engine's UTC slots in, JSON-ready data out. Slots are grouped by their local date in
the caller's time zone and carry that zone's offset, e.g. "2050-09-05T09:00:00.000+02:00".
"""

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from eventtypes.availability import BUSY, Explanation, Slot

TIME = "time"
RANGE = "range"
FORMATS = (TIME, RANGE)

# Zone names written with "Z" rather than "+00:00", as Cal.com writes them.
_ZULU_NAMES = {"UTC", "GMT"}


def iso_local(moment: datetime, zone: ZoneInfo) -> str:
    """An instant as local ISO 8601 with milliseconds and the offset in force at that instant."""
    return _iso(moment.astimezone(zone), zone.key in _ZULU_NAMES)


def _iso(local: datetime, zulu: bool) -> str:
    text = local.isoformat(timespec="milliseconds")
    return text[:-6] + "Z" if zulu else text


def iso_utc(moment: datetime) -> str:
    return _iso(moment.astimezone(UTC), True)


def slots_by_local_date(
    slots: Iterable[Slot], time_zone: str, *, slot_format: str = TIME, seated: bool = False
) -> dict[str, list[dict]]:
    """{"YYYY-MM-DD": [{"start": ...}, ...]} keyed by the local date of each start, in order.

    `range` adds each slot's end; seated event types add how many attendees the slot has and,
    once someone booked it, the booking to join (bookingUid).
    """
    zone = ZoneInfo(time_zone)
    zulu = zone.key in _ZULU_NAMES
    with_end = slot_format == RANGE
    days: dict[str, list[dict]] = {}
    for slot in sorted(slots, key=lambda s: s.start):
        local = slot.start.astimezone(zone)
        item = {"start": _iso(local, zulu)}
        if with_end:
            item["end"] = _iso(slot.end.astimezone(zone), zulu)
        if seated:
            item["attendeesCount"] = slot.attendees_count or 0
            if slot.booking_uid:
                item["bookingUid"] = slot.booking_uid
        days.setdefault(local.date().isoformat(), []).append(item)
    return days


def reservation_output(reservation, now: datetime) -> dict:
    """A hold as Cal.com's ReserveSlotOutput; reservationDuration is the minutes it still lasts
    (the whole hold right after it was made or moved, 0 once it has expired)."""
    remaining = (reservation.expires_at - now).total_seconds()
    return {
        "eventTypeId": reservation.event_type_id,
        "slotStart": iso_utc(reservation.start),
        "slotEnd": iso_utc(reservation.end),
        "slotDuration": reservation.duration_minutes,
        "reservationUid": str(reservation.uid),
        "reservationDuration": max(0, math.ceil(remaining / 60)),
        "reservationUntil": iso_utc(reservation.expires_at),
    }


def explanation_output(explanation: Explanation) -> dict:
    """Whether a start is bookable and each host's reasons, as machine codes only: nothing about
    the bookings or reservations behind them."""
    return {
        "start": iso_utc(explanation.start),
        "bookable": explanation.bookable,
        "reasons": [
            {"hostId": host_id, "codes": list(codes)}
            for host_id, codes in sorted(explanation.reasons.items())
        ],
        # The same fallback as the check at booking time, so that both name the same reason.
        "firstReason": None if explanation.bookable else explanation.first_reason() or BUSY,
    }
