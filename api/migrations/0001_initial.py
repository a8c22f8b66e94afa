import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Takes over IdempotentRequest from `accounts`, whose migration 0003 renamed its table to
    api_idempotentrequest: only the state changes here, the rows stay."""

    initial = True

    dependencies = [
        ("accounts", "0003_idempotent_requests_move_to_api"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="IdempotentRequest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("scope", models.CharField(max_length=80)),
                        ("key", models.CharField(max_length=255)),
                        (
                            "fingerprint",
                            models.CharField(
                                help_text="SHA-256 of method, path and body", max_length=64
                            ),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[("in_progress", "In progress"), ("done", "Done")],
                                default="in_progress",
                                max_length=12,
                            ),
                        ),
                        ("status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("content_type", models.CharField(blank=True, max_length=100)),
                        ("body", models.BinaryField(blank=True, default=b"")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        "indexes": [
                            models.Index(
                                fields=["created_at"], name="accounts_id_created_fd3d39_idx"
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("scope", "key"), name="idempotency_key_unique"
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
