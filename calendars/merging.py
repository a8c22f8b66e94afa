"""A user's busy times from their calendars as one packed value (models.MergedBusyTimes): what
the slot loader reads, so that a host with a thousand events costs one row, merged already.

Packed as little-endian unsigned 32-bit pairs of whole seconds since 2000-01-01 UTC (start
floored, end ceiled): half the bytes of 64-bit seconds since 1970, until the year 2136.
"""

import math
import sys
from array import array
from bisect import bisect_left, bisect_right

from calendars.models import BusyTime, MergedBusyTimes

EPOCH_2000 = 946_684_800  # 2000-01-01T00:00:00Z in seconds since 1970
LATEST = 2**32 - 1


def lock(user_id: int) -> None:
    """Take the user's row (created if need be) until the transaction ends: the stores of two
    calendars of one user rebuild it one after the other, each seeing the other's rows."""
    MergedBusyTimes.objects.bulk_create([MergedBusyTimes(user_id=user_id)], ignore_conflicts=True)
    MergedBusyTimes.objects.select_for_update().filter(user_id=user_id).first()


def rebuild(user_id: int) -> None:
    """Merge the user's blocking busy times again; run inside the transaction that changed
    them, after `lock`."""
    rows = (
        BusyTime.objects.filter(user_id=user_id, transparent=False, calendar__check_conflicts=True)
        .order_by("start")
        .values_list("start", "end")
    )
    merged: list[list[int]] = []
    for start, end in rows.iterator(chunk_size=2000):
        first, last = math.floor(start.timestamp()), math.ceil(end.timestamp())
        if merged and first <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    MergedBusyTimes.objects.update_or_create(user_id=user_id, defaults={"intervals": pack(merged)})


def pack(intervals) -> bytes:
    """(start, end) seconds since 1970 packed; times before 2000 are 2000 (long past)."""
    numbers = array(
        "I",
        [min(LATEST, max(0, moment - EPOCH_2000)) for interval in intervals for moment in interval],
    )
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers.tobytes()


def unpack_between(data, start: float, end: float) -> list[tuple[int, int]]:
    """The packed intervals that overlap [start, end), as (start, end) seconds since 1970:
    floats, as the loader's other busy times are (the engine compares them by the thousand,
    and comparing an int with a float is several times slower)."""
    numbers = array("I")
    numbers.frombytes(bytes(data))
    if sys.byteorder == "big":
        numbers.byteswap()
    starts, ends = numbers[0::2], numbers[1::2]
    first = bisect_right(ends, start - EPOCH_2000)  # merged: the ends ascend too
    last = bisect_left(starts, end - EPOCH_2000)
    base = float(EPOCH_2000)
    return [
        (begins + base, finishes + base)
        for begins, finishes in zip(starts[first:last], ends[first:last], strict=True)
    ]
