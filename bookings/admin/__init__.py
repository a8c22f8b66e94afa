"""Bookings in the admin, as the hosts see them: their bookings (with the actions they take on
them), holds on their time, recurring series, and the outbox events about their bookings.

Every list is the signed-in user's share of it: Booking.objects.managed_by (and the same rule
for holds and outbox events), so that the admin, the API and the pages agree on who sees what.
"""

from bookings.admin import bookings, outbox, reservations, series

__all__ = ["bookings", "outbox", "reservations", "series"]
