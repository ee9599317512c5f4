"""Follow-ups for the records written before they were tracked: a visit flagged for follow-up
and an assistance with a next revisit each get one. Those due in the last 30 days or later are
open (what the Today page listed until now); older ones are set aside with that reason, since
nothing listed them any more."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

DUE_DAYS = 7
LISTED_DAYS = 30
REASON = "开始登记待跟进事项时已超过30天，未再列出"


def forwards(apps, schema_editor):
    FollowUp = apps.get_model("fieldwork", "FollowUp")
    HouseholdVisit = apps.get_model("fieldwork", "HouseholdVisit")
    Assistance = apps.get_model("fieldwork", "Assistance")
    now = timezone.now()
    cutoff = timezone.localdate() - dt.timedelta(days=LISTED_DAYS)
    rows = []

    def add(due, **fields):
        old = due < cutoff
        rows.append(
            FollowUp(
                due_on=due,
                state="dropped" if old else "open",
                reason=REASON if old else "",
                closed_at=now if old else None,
                **fields,
            )
        )

    for v in HouseholdVisit.objects.filter(follow_up_needed=True).iterator(chunk_size=2000):
        add(
            v.occurred_on + dt.timedelta(days=DUE_DAYS),
            bureau_id=v.bureau_id,
            area_id=v.area_id,
            unit_id=v.unit_id,
            officer_id=v.officer_id,
            visit_id=v.pk,
            household=v.household,
        )
    for a in Assistance.objects.filter(next_revisit_on__isnull=False).iterator(chunk_size=2000):
        add(
            a.next_revisit_on,
            bureau_id=a.bureau_id,
            area_id=a.area_id,
            unit_id=a.unit_id,
            officer_id=a.officer_id,
            assistance_id=a.pk,
            household=a.household,
        )
    FollowUp.objects.bulk_create(rows, batch_size=1000)


def backwards(apps, schema_editor):
    apps.get_model("fieldwork", "FollowUp").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0006_follow_ups")]

    operations = [migrations.RunPython(forwards, backwards)]
