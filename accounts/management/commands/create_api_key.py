"""Issue an API key for a user and print it once: only its SHA-256 is stored."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import ApiKey


class Command(BaseCommand):
    help = "Create an API key for a user. The key is printed once and cannot be shown again."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user who will own the key.")
        parser.add_argument("--name", default="API key", help="A label to recognise the key.")
        parser.add_argument(
            "--expires-in-days",
            type=int,
            default=None,
            metavar="N",
            help="The key stops working after N days (default: never).",
        )

    def handle(self, *args, username, name, expires_in_days, **options):
        User = get_user_model()
        try:
            owner = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user with the username '{username}'.") from None
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1.")

        expires_at = None
        if expires_in_days is not None:
            expires_at = timezone.now() + timedelta(days=expires_in_days)
        key, raw_key = ApiKey.issue(owner, name=name, expires_at=expires_at)

        # The key alone on stdout, so that scripts can capture it; the notice goes to stderr.
        self.stdout.write(raw_key)
        expiry = f"expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else "never expires"
        self.stderr.write(
            f"API key '{key.name}' for {owner.username} ({expiry}). "
            "Store it now: it will not be shown again.",
            style_func=self.style.WARNING,
        )
