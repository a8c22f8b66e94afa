from django.db import migrations


class Migration(migrations.Migration):
    """Idempotency records belong to the REST API: the model moves to the `api` app and its
    table is renamed, rows kept (api/migrations/0001_initial.py takes the model over)."""

    dependencies = [
        ("accounts", "0002_idempotent_requests"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable("IdempotentRequest", "api_idempotentrequest"),
            ],
            state_operations=[migrations.DeleteModel("IdempotentRequest")],
        ),
    ]
