from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from calendars import credentials
from calendars.models import Connection


class Command(BaseCommand):
    help = (
        "Re-encrypts every stored calendar password with the first key of "
        "CALENDAR_ENCRYPTION_KEYS. Put the new key first, run this, then remove the old key. "
        "--new-key prints a fresh key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true", help="Print a new key and stop.")

    def handle(self, *args, new_key=False, **options):
        if new_key:
            self.stdout.write(credentials.new_key())
            return
        count = 0
        with transaction.atomic():
            for connection in Connection.objects.select_for_update().exclude(encrypted_password=""):
                try:
                    token = credentials.reencrypt(connection.encrypted_password)
                except Exception as error:
                    raise CommandError(
                        f"Connection {connection.pk}: no configured key decrypts its password "
                        f"({type(error).__name__}); nothing was changed."
                    ) from None
                Connection.objects.filter(pk=connection.pk).update(encrypted_password=token)
                count += 1
        self.stdout.write(f"Re-encrypted {count} calendar password(s) with the first key.")
