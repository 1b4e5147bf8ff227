"""An index for the payer difficulty's 90-day window: each coverage's checks by time, with
their status, read index-only instead of every check of the payer's coverages."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("eligibility", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="eligibilitycheck",
            index=models.Index(
                fields=["coverage", "requested_at", "status"], name="elig_coverage_window_idx"
            ),
        ),
    ]
