from dataclasses import dataclass

from bookings.models import ActorRole, Channel


@dataclass(frozen=True)
class Actor:
    """Who asks for a change, and through which channel. Cut-offs apply to attendees only."""

    role: str
    channel: str
    user: object = None
    email: str = ""

    @classmethod
    def host(cls, user, channel=Channel.API):
        return cls(ActorRole.HOST, channel, user, user.email)

    @classmethod
    def attendee(cls, email="", channel=Channel.API):
        return cls(ActorRole.ATTENDEE, channel, None, email)

    @classmethod
    def system(cls):
        return cls(ActorRole.SYSTEM, Channel.SYSTEM)

    @property
    def is_host(self) -> bool:
        return self.role == ActorRole.HOST

    @property
    def is_attendee(self) -> bool:
        return self.role == ActorRole.ATTENDEE
