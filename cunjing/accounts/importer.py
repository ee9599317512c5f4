"""Import accounts from the organisation's workbook (its ``accounts`` / 账号 sheet), all or
nothing: the security admin's import (三权分立: the system admin imports the organisation's
sheets, never accounts; this import ignores those sheets and says so).

The workbook, its reading, its rows and its errors are :mod:`cunjing.org.importer`'s. An account
is found by username (in the bureau):

- a new username is created through ``account_create``: its one-time password is in the
  result (:attr:`AccountImportResult.passwords`), to be shown once and stored nowhere else;
- an existing one is updated through ``account_update`` with the role, unit or full name that
  differ; a row equal to the account changes nothing and writes no audit event.

The unit is a unit code (the bureau's 6-digit code for the bureau itself); left blank, an
officer's account (badge number) takes the officer's unit, an aide's account (the aide's mobile
number) the unit serving the aide's area. The officer or aide an account is linked to is chosen
when it is created and never changed by an import. The separation rules are the services',
checked row by row: a row the actor may not write (an account of their own admin role, their own
account) is a row error with the service's message.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cunjing.accounts import services
from cunjing.accounts.models import User
from cunjing.core import audit
from cunjing.core.roles import Capability, Role, has_capability, is_system
from cunjing.org import importer
from cunjing.org.importer import (
    ACCOUNTS,
    SHEET_BY_KEY,
    UNCHANGED,
    UPDATED,
    ImportResult,
    Keyed,
    Row,
    Run,
    SheetData,
    TooManyErrors,
    cell_choice,
    cell_phone,
    dedupe,
    rows,
)
from cunjing.org.models import Aide, Bureau, Officer, Unit
from cunjing.org.selectors import choose_serving_unit, serving_coverages

# Service field → column of the accounts sheet, for the services' field errors.
FIELDS = {
    "username": "username",
    "full_name": "full_name",
    "role": "role",
    "unit": "unit_code",
    "officer": "badge_number",
    "aide": "aide_phone",
}


@dataclass(frozen=True)
class OneTimePassword:
    """A created account's one-time password, for the result page only."""

    username: str
    name: str
    password: str = field(repr=False)


@dataclass
class AccountImportResult(ImportResult):
    # Shown once on the result page, never stored or logged; empty when nothing was saved.
    passwords: list[OneTimePassword] = field(default_factory=list)


def role_choices() -> dict[str, str]:
    """Every name a role may be written with, in lower case: its value, its Chinese name (as in
    the template) and its label in each language of the site."""
    names: dict[str, str] = {role.value: role.value for role in Role}
    names.update(importer.ROLE_NAMES)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for role in Role:
                names.setdefault(str(role.label).lower(), role.value)
    return names


def _scoped(model, actor, bureau: Bureau):
    """The rows of ``model`` in ``bureau`` the actor sees (the system sees every one)."""
    qs = model.objects.all() if is_system(actor) else model.objects.visible_to(actor)
    return qs.filter(bureau=bureau)


class AccountRun(Run):
    """An accounts import: the bureau's units, and the officers, aides and accounts the sheet
    names, read once up front."""

    def __init__(self, *, actor, bureau: Bureau, result: AccountImportResult, sheet: SheetData):
        super().__init__(actor=actor, bureau=bureau, result=result)
        self.passwords = result.passwords
        units = list(_scoped(Unit, actor, bureau))
        self.units: dict[str, Unit] = {u.code: u for u in units if u.code}
        root = next((u for u in units if u.depth == 1), None)
        if root is not None:
            self.units.setdefault(bureau.code, root)  # the bureau answers to its own code
        values = [v for _n, v in sheet.rows]
        texts = {
            key: {importer.cell_text(v.get(key)) for v in values} - {""}
            for key in ("username", "badge_number")
        }
        phones = set()
        for v in values:
            with contextlib.suppress(importer.CellError):
                phones.add(cell_phone(v.get("aide_phone")))
        self.accounts: dict[str, User] = {
            u.username: u
            for u in User.objects.filter(bureau_id=bureau.pk, username__in=texts["username"])
        }
        self.officers: dict[str, Officer] = {
            o.badge_number: o
            for o in _scoped(Officer, actor, bureau)
            .filter(badge_number__in=texts["badge_number"])
            .select_related("unit")
        }
        self.aides: dict[str, Aide] = {
            a.phone: a
            for a in _scoped(Aide, actor, bureau).filter(is_active=True, phone__in=phones - {""})
        }
        served: dict[int, list[Unit]] = {}
        areas = {a.area_id for a in self.aides.values()}
        for coverage in serving_coverages().filter(bureau=bureau, area_id__in=areas):
            served.setdefault(coverage.area_id, []).append(coverage.unit)
        self.aide_units: dict[int, Unit | None] = {
            area_id: choose_serving_unit(units) for area_id, units in served.items()
        }


def _unit_of(run: AccountRun, row: Row, data: dict[str, Any], officer, aide) -> Unit | None:
    code = data["unit_code"]
    if code:
        unit = run.units.get(code)
        if unit is None:
            row.error(
                "unit_code", _("“%(key)s” is not a unit code of this bureau.") % {"key": code}
            )
        return unit
    if officer is not None:
        return officer.unit
    if aide is not None:
        unit = run.aide_units.get(aide.area_id)
        if unit is None:
            row.error(
                "unit_code",
                _("No workstation or office serves the aide's area: give the unit code."),
            )
        return unit
    row.error(
        "unit_code",
        _("Give the unit code, or the badge number of an officer or the phone of an aide."),
    )
    return None


def _person(run: AccountRun, row: Row, data: dict[str, Any]) -> tuple[Any, Any, bool]:
    """The officer and the aide the row names, and whether they were found."""
    officer = aide = None
    found = True
    if data["badge_number"]:
        officer = run.officers.get(data["badge_number"])
        if officer is None:
            found = False
            row.error(
                "badge_number",
                _(
                    "No officer of this bureau has this badge number: the system admin imports "
                    "the officers first."
                ),
            )
    if data["aide_phone"]:
        aide = run.aides.get(data["aide_phone"])
        if aide is None:
            found = False
            row.error(
                "aide_phone",
                _(
                    "No active aide of this bureau has this phone number: the system admin "
                    "imports the aides first."
                ),
            )
    if data["badge_number"] and data["aide_phone"]:
        found = False
        row.error("aide_phone", _("An account is an officer's or an aide's, not both."))
    return officer, aide, found


def _linked_elsewhere(row: Row, account: User, officer, aide) -> bool:
    """An existing account whose row names another person than the one it is linked to."""
    if officer is not None and account.officer_id != officer.pk:
        row.error(
            "badge_number",
            _(
                "This account is linked to another officer or to none; an account's officer is "
                "set when it is created."
            ),
        )
        return True
    if aide is not None and account.aide_id != aide.pk:
        row.error(
            "aide_phone",
            _(
                "This account is linked to another aide or to none; an account's aide is set "
                "when it is created."
            ),
        )
        return True
    return False


def _import_accounts(run: AccountRun, sheet: SheetData) -> None:
    choices = role_choices()
    keyed: Keyed = []
    for row in rows(run, sheet):
        data = {
            "username": row.get("username"),
            "full_name": row.get("full_name"),
            "role": row.get(
                "role",
                lambda v: cell_choice(
                    v, choices, kind=False, shown=[*importer.ROLE_NAMES, *Role.values]
                ),
            ),
            "unit_code": row.get("unit_code"),
            "badge_number": row.get("badge_number"),
            "aide_phone": row.get("aide_phone", cell_phone),
        }
        if data["username"]:
            keyed.append((row, data["username"], data))
    for row, username, data in dedupe(run, ACCOUNTS, keyed, "username"):
        officer, aide, found = _person(run, row, data)
        if not found:
            continue
        unit = _unit_of(run, row, data, officer, aide)
        if unit is None:
            continue
        person_name = officer.name if officer else aide.name if aide else ""
        full_name = data["full_name"] or person_name
        account = run.accounts.get(username)
        if account is None:
            made = row.write(
                FIELDS,
                services.account_create,
                denied_column="role",
                username=username,
                role=data["role"],
                unit=unit,
                full_name=full_name,
                officer=officer,
                aide=aide,
            )
            if made is not None:
                user, password = made
                run.passwords.append(OneTimePassword(user.username, user.display_name, password))
                run.result.count(ACCOUNTS, importer.CREATED)
            continue
        if _linked_elsewhere(row, account, officer, aide):
            continue
        changes: dict[str, Any] = {}
        if data["role"] != account.role:
            changes["role"] = data["role"]
        if unit.pk != account.unit_id:
            changes["unit"] = unit
        if data["full_name"] and data["full_name"] != account.full_name:
            changes["full_name"] = data["full_name"]
        if not changes:
            run.result.count(ACCOUNTS, UNCHANGED)
            continue
        own = not is_system(run.actor) and account.pk == run.actor.pk
        updated = row.write(
            FIELDS,
            services.account_update,
            denied_column="username" if own else "role",
            account=account,
            **changes,
        )
        if updated is not None:
            run.result.count(ACCOUNTS, UPDATED)


def import_accounts(*, actor, bureau: Bureau, file: Any, filename: str = "") -> AccountImportResult:
    """Import the accounts sheet of the workbook ``file`` (a path, an upload or any binary file
    object) into ``bureau``: all or nothing. ``actor``: the security admin of the bureau (who
    has ``MANAGE_USERS``) or ``SYSTEM``."""
    if not is_system(actor) and (
        not has_capability(actor, Capability.MANAGE_USERS) or actor.bureau_id != bureau.pk
    ):
        raise PermissionDenied(_("You do not have permission to do this."))
    sheets, ignored, errors = importer.load(file, {ACCOUNTS})
    if errors:
        return AccountImportResult.failed(errors)
    result = AccountImportResult.for_sheets([ACCOUNTS], ignored=ignored)
    with transaction.atomic():
        list(Bureau.objects.select_for_update().filter(pk=bureau.pk))  # one import at a time
        sheet = sheets[ACCOUNTS]
        run = AccountRun(actor=actor, bureau=bureau, result=result, sheet=sheet)
        with contextlib.suppress(TooManyErrors):
            _import_accounts(run, sheet)
        if result.errors:
            transaction.set_rollback(True)
            result.clear_counts()
            result.passwords.clear()
        else:
            audit.record(
                actor=actor,
                action="user.import",
                instance=bureau,
                bureau_id=bureau.pk,
                after={"file": filename[:200], **result.summary()},
            )
    return result


# --- The template ------------------------------------------------------------------------------


def template_examples(bureau: Bureau) -> dict[str, list[list[Any]]]:
    """One worked example that imports cleanly into ``bureau`` as it is: an inspector's account
    on the bureau (its 6-digit code), under a username nobody has."""
    taken = set(
        User.objects.filter(username__startswith="example-inspector").values_list(
            "username", flat=True
        )
    )
    username = importer.free(
        (f"example-inspector-{n}" if n else "example-inspector" for n in range(1000)), taken
    )
    return {ACCOUNTS: [[username, _("Example inspector"), "督察人员", bureau.code, "", ""]]}


def readme_lines() -> list[str]:
    return [
        _("Importing accounts"),
        _(
            "Fill in the sheet accounts (账号); keep its header row. The organisation's workbook "
            "works as it is: its other sheets are the system admin's and are not imported here. "
            "This README sheet is never imported."
        ),
        _(
            "An account is found by username. A new one is created with a one-time password, "
            "shown once after the import: print the list or hand the passwords over at once, they "
            "are not kept. An existing one gets the role, unit and full name of its row; a row "
            "equal to the account changes nothing."
        ),
        _(
            "An officer's account names the officer's badge number, an aide's account the aide's "
            "mobile number: the officer or aide must already be in the bureau, and the unit may "
            "be left blank (the officer's unit, or the unit serving the aide's area)."
        ),
        _(
            "The separation of the three admin roles applies row by row: no administrator "
            "creates or changes an account of their own admin role, nor their own account."
        ),
        _(
            "The import is all or nothing: if any row has an error, nothing is saved and every "
            "error is listed with its sheet, row and column."
        ),
        _(
            "EXAMPLES: the grey row under the header is an example. It imports cleanly as it is; "
            "replace or delete it before importing your own data."
        ),
    ]


def build_template(bureau: Bureau) -> bytes:
    """The accounts import template as .xlsx bytes: a README sheet and the accounts sheet."""
    return importer.write_template(
        [SHEET_BY_KEY[ACCOUNTS]], template_examples(bureau), readme_lines()
    )
