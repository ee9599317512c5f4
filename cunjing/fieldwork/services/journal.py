"""The beat officer's own writing (四有: 日志、分析、总结) and the leaders' supervision of it
(督导): the work log of a day, the weekly analysis and monthly summary, and a supervision's
verdict."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.roles import Role
from cunjing.core.writes import audited_update
from cunjing.fieldwork.models import OfficerReport, ReportKind, Supervision, WorkLog
from cunjing.fieldwork.services._common import record_snapshot

# Who supervises beat officers' logs and reports (督导).
SUPERVISOR_ROLES = frozenset(
    {Role.OFFICE_LEADER, Role.STATION_LEADER, Role.COMMANDER, Role.INSPECTOR}
)


class WorklogMode:
    APPEND = "append"  # a new time-stamped entry after what is written
    REPLACE = "replace"  # the whole text, edited explicitly


WORKLOG_MAX = 5000


def worklog_version(log: WorkLog | None) -> str:
    """What an explicit edit started from (the log's last change), to refuse an edit of a text
    that changed meanwhile instead of overwriting it."""
    return "" if log is None else log.updated_at.astimezone(dt.UTC).isoformat()


def _entry(text: str, day: dt.date) -> str:
    """One entry of the log: the time it was written (Asia/Shanghai), with the date when it is
    written later than the day it is about, then the text."""
    now = timezone.localtime()
    stamp = now.strftime("%H:%M") if now.date() == day else now.strftime("%Y-%m-%d %H:%M")
    return f"{stamp} {text.strip()}"


@transaction.atomic
def worklog_upsert(
    *,
    actor,
    day: dt.date,
    text: str,
    client_uuid: uuid.UUID,
    mode: str = WorklogMode.APPEND,
    base: str | None = None,
) -> tuple[WorkLog, bool]:
    """Write the beat officer's own log of ``day`` (beat officers only). Returns
    ``(log, created)``.

    ``append`` (the default) adds ``text`` as a new time-stamped entry: nothing written earlier
    is touched. ``replace`` sets the whole text — an explicit edit of what the officer sees;
    with ``base`` (:func:`worklog_version` of the log it started from) it is refused when the
    log changed meanwhile. The day's log holds at most 5000 characters."""
    _officer_only(actor)
    if mode not in (WorklogMode.APPEND, WorklogMode.REPLACE):
        raise ValidationError({"mode": [_("Select a valid choice.")]})
    if not (text or "").strip():
        raise ValidationError({"text": [_("This field cannot be blank.")]})
    log = (
        WorkLog.objects.select_for_update()
        .filter(bureau_id=actor.bureau_id, officer_id=actor.officer_id, day=day)
        .first()
    )
    if mode == WorklogMode.REPLACE:
        if base is not None and base != worklog_version(log):
            raise ValidationError(
                {
                    "text": [
                        _(
                            "The log was changed meanwhile (on another device?). Your text is "
                            "kept below: copy what you need and edit the log again."
                        )
                    ]
                }
            )
        full = text.strip()
    else:
        entry = _entry(text, day)
        full = entry if log is None or not log.text.strip() else f"{log.text.rstrip()}\n{entry}"
    if len(full) > WORKLOG_MAX:
        raise ValidationError(
            {"text": [_("The day's log would exceed %(limit)s characters.") % {"limit": 5000}]}
        )
    if log is None:
        log = WorkLog(
            bureau_id=actor.bureau_id,
            officer_id=actor.officer_id,
            unit_id=actor.unit_id,
            day=day,
            text=full,
            client_uuid=client_uuid,
            recorded_by=actor,
        )
        log.full_clean()
        log.save()
        audit.record(
            actor=actor, action="fieldwork.worklog.create", instance=log, after=record_snapshot(log)
        )
        return log, True
    changes = {"text": full, "client_uuid": client_uuid, "recorded_by": actor}
    log = audited_update(
        actor=actor, instance=log, action="fieldwork.worklog.update", changes=changes
    )
    return log, False


def _officer_only(actor) -> None:
    if getattr(actor, "role", "") != Role.BEAT_OFFICER or not actor.officer_id:
        raise PermissionDenied(_("Only beat officers keep work logs and reports."))


@transaction.atomic
def report_upsert(
    *,
    actor,
    kind: str,
    period_start: dt.date,
    situation: str,
    problems: str = "",
    measures: str = "",
    client_uuid: uuid.UUID,
) -> tuple[OfficerReport, bool]:
    """Write the beat officer's weekly analysis or monthly summary of a period: created the
    first time, rewritten afterwards (until a leader has supervised it). Returns
    ``(report, created)``."""
    _officer_only(actor)
    if kind not in ReportKind.values:
        raise ValidationError({"kind": [_("Select a valid choice.")]})
    report = (
        OfficerReport.objects.select_for_update()
        .filter(
            bureau_id=actor.bureau_id,
            officer_id=actor.officer_id,
            kind=kind,
            period_start=period_start,
        )
        .first()
    )
    fields = {"situation": situation, "problems": problems, "measures": measures}
    if report is None:
        report = OfficerReport(
            bureau_id=actor.bureau_id,
            officer_id=actor.officer_id,
            unit_id=actor.unit_id,
            kind=kind,
            period_start=period_start,
            client_uuid=client_uuid,
            recorded_by=actor,
            **fields,
        )
        report.full_clean()
        report.save()
        audit.record(
            actor=actor,
            action="fieldwork.report.create",
            instance=report,
            after=record_snapshot(report),
        )
        return report, True
    if report.supervisions.exists():
        raise ValidationError(
            {"period_start": [_("This report has been supervised and can no longer change.")]}
        )
    report = audited_update(
        actor=actor,
        instance=report,
        action="fieldwork.report.update",
        changes={**fields, "client_uuid": client_uuid},
    )
    return report, False


@transaction.atomic
def supervise(
    *,
    actor,
    worklog_id: int | None = None,
    report_id: int | None = None,
    verdict: str,
    comment: str,
) -> Supervision:
    """A leader's supervision (督导) of a work log or a report in their jurisdiction. The target
    is fetched through the actor's scope: out of scope answers 404 like a missing one."""
    if (worklog_id is None) == (report_id is None):
        raise ValidationError({"target": [_("Choose a work log or a report.")]})
    from cunjing.fieldwork import selectors  # reads go through the one scoping rule

    if worklog_id is not None:
        target = selectors.worklog_get(actor, worklog_id)
    else:
        target = selectors.report_get(actor, report_id)
    if getattr(actor, "role", "") not in SUPERVISOR_ROLES:
        raise PermissionDenied(_("You do not have permission to do this."))
    supervision = Supervision(
        bureau_id=target.bureau_id,
        officer_id=target.officer_id,
        unit_id=target.unit_id,
        worklog=target if worklog_id is not None else None,
        report=target if report_id is not None else None,
        verdict=verdict,
        comment=(comment or "").strip(),
        supervised_by=actor,
    )
    supervision.full_clean()
    supervision.save()
    audit.record(
        actor=actor,
        action="fieldwork.supervision.create",
        instance=supervision,
        after=audit.snapshot(supervision),
    )
    return supervision
