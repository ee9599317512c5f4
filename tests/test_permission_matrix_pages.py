"""Who may open which page: every persona × every page, with the status each must get.

    200  the page           403  visible, but the role may not do this
    302  sign in first      404  outside the persona's jurisdiction (or no such object)
         (anonymous), or the POST succeeded and redirects (``beat_end``)

Objects are named from the beat officer of 瓦房沟村 (``tests/county.py``): ``own`` = 瓦房沟村 and
its workstation, ``sibling`` = 刘沟村 (same office), ``other`` = 杨庄村 (another station), ``none``
= an id that does not exist. ``area_edit`` and ``beat_assign`` are for 瓦房沟村; ``beat_end``
POSTs the end of 张伟's lead beat there. The audit admin has no VIEW_ORG: every organisation page
is 403 for them, whatever the object.

Officers and aides (``off_*``, ``aide_*``) are read by everyone who sees the organisation, as far
as their jurisdiction goes (an officer by their unit, an aide by their village); adding, editing,
transferring, retiring and ending are the system admin's (``off_transfer`` POSTs 张伟's transfer
to 刘沟警务工作站, ``aide_end`` the end of 陈静's service). A unit's own changes (``unit_edit`` of
瓦房沟警务工作站, ``unit_move`` of 刘沟警务工作站, ``unit_close`` of 杨庄警务工作站) likewise.

Accounts (``acct_*``) are the security admin's alone, in their own bureau (another bureau's
account is 404), and so is the accounts sheet of the workbook (``acct_import``); the rest of the
workbook is the system admin's (``org_import``); everybody signed in changes their own password
(``pw_change``) and sets up their own two-factor sign-in (``two_factor``).

Open311 keys (``o311_*``) are the bureau's configuration: the system admin's only; revoking
another bureau's client is 404 for them.

The phone workspace (``ws_*``, ``/m/``) is for those who record field work: beat officers, aides
(prevention activities only), office and station leaders (no work log: it is the beat officer's).
An unknown record kind is 404 for everyone signed in. The service worker and the manifest are
public: browsers fetch the manifest without cookies, and neither holds anything about a user.

Follow-ups (``fu_*``) are seen like the records they came from; closing one (``fu_drop``,
``fu_done``) is for those who record visits there: the beat officer and the leaders above (the
commander and the inspector read them only, an aide neither). ``ws_fu`` is the same follow-up
on the phone.

Correcting and voiding a record (``fw_correct``, ``fw_void``) is for its recorder and the office
and station leaders above it; after the correction window it becomes a request (``cr_*``) that
those leaders decide — never the requester (``cr_decide`` is the beat officer's own request).

The residents' portal (``pt_*``, ``/portal/``) is public and the same for everyone, signed in or
not: a contact card only for a village or community, a matter only by its tracking code (the
POST answers; ``pt_send`` is 201 Created), 404 for a township, a missing area, an unknown code or
an unknown reporter action.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from cunjing.core.roles import SYSTEM
from cunjing.fieldwork import services as fieldwork
from cunjing.fieldwork.models import HouseholdVisit
from cunjing.matters import services as matters
from cunjing.org import services as org
from cunjing.org.models import Beat
from tests.conftest import PERSONAS
from tests.county import build_county

# The page matrix runs in the SQLite pass only when both run (scripts/test.sh); the API matrix
# checks the same scope rules in both passes.
pytestmark = pytest.mark.once_sqlite

# Columns: the personas of tests/county.py, abbreviated (see PERSONA_COLUMNS); rows: the pages.
EXPECTED = """
page         beat sib  oth  aide off  sta  cmd  insp sys  sec  aud  anon
home         200  200  200  200  200  200  200  200  200  200  200  302
tree         200  200  200  200  200  200  200  200  200  200  403  302
unit_own     200  404  404  200  200  200  200  200  200  200  403  302
unit_sib     404  200  404  404  200  200  200  200  200  200  403  302
unit_oth     404  404  200  404  404  404  200  200  200  200  403  302
area_own     200  404  404  200  200  200  200  200  200  200  403  302
area_sib     404  200  404  404  200  200  200  200  200  200  403  302
area_oth     404  404  200  404  404  404  200  200  200  200  403  302
area_none    404  404  404  404  404  404  404  404  404  404  403  302
area_list    200  200  200  200  200  200  200  200  200  200  403  302
area_edit    403  404  404  403  403  403  403  403  200  403  403  302
beat_assign  403  404  404  403  403  200  200  403  200  403  403  302
beat_end     403  404  404  403  403  302  302  403  302  403  403  302
coverage     200  200  200  200  200  200  200  200  200  200  403  302
off_list     200  200  200  200  200  200  200  200  200  200  403  302
off_own      200  404  404  200  200  200  200  200  200  200  403  302
off_oth      404  404  200  404  404  404  200  200  200  200  403  302
off_new      403  403  403  403  403  403  403  403  200  403  403  302
off_edit     403  404  404  403  403  403  403  403  200  403  403  302
off_transfer 403  404  404  403  403  403  403  403  302  403  403  302
off_leave    403  404  404  403  403  403  403  403  200  403  403  302
aide_list    200  200  200  200  200  200  200  200  200  200  403  302
aide_own     200  404  404  200  200  200  200  200  200  200  403  302
aide_new     403  403  403  403  403  403  403  403  200  403  403  302
aide_edit    403  404  404  403  403  403  403  403  200  403  403  302
aide_end     403  404  404  403  403  403  403  403  302  403  403  302
unit_edit    403  404  404  403  403  403  403  403  200  403  403  302
unit_move    404  403  404  404  403  403  403  403  200  403  403  302
unit_close   404  404  403  404  404  404  403  403  200  403  403  302
audit        403  403  403  403  403  403  403  403  403  403  200  302
acct_list    403  403  403  403  403  403  403  403  403  200  403  302
acct_new     403  403  403  403  403  403  403  403  403  200  403  302
acct_own     403  403  403  403  403  403  403  403  403  200  403  302
acct_oth     403  403  403  403  403  403  403  403  403  404  403  302
acct_dis     403  403  403  403  403  403  403  403  403  302  403  302
acct_import  403  403  403  403  403  403  403  403  403  200  403  302
org_import   403  403  403  403  403  403  403  403  200  403  403  302
pw_change    200  200  200  200  200  200  200  200  200  200  200  302
two_factor   200  200  200  200  200  200  200  200  200  200  200  302
rules        403  403  403  403  403  403  200  403  200  403  403  302
o311_keys    403  403  403  403  403  403  403  403  200  403  403  302
o311_issue   403  403  403  403  403  403  403  403  200  403  403  302
o311_revoke  403  403  403  403  403  403  403  403  302  403  403  302
o311_rev_oth 403  403  403  403  403  403  403  403  404  403  403  302
fw_list      200  200  200  200  200  200  200  200  403  403  403  302
fw_new       200  200  200  403  200  200  403  403  403  403  403  302
fw_new_prev  200  200  200  200  200  200  403  403  403  403  403  302
fw_own       200  404  404  200  200  200  200  200  403  403  403  302
fw_oth       404  404  200  404  404  404  200  200  403  403  403  302
fw_none      404  404  404  404  404  404  404  404  403  403  403  302
fw_correct   200  404  404  403  200  200  403  403  403  403  403  302
fw_void      302  404  404  403  302  302  403  403  403  403  403  302
cr_list      200  200  200  200  200  200  200  200  403  403  403  302
cr_own       200  404  404  200  200  200  200  200  403  403  403  302
cr_decide    403  404  404  403  302  302  403  403  403  403  403  302
log_mine     200  200  200  302  302  302  302  302  403  403  403  302
log_list     200  200  200  200  200  200  200  200  403  403  403  302
log_own      200  404  404  404  200  200  200  200  403  403  403  302
log_oth      404  404  200  404  404  404  200  200  403  403  403  302
sup_log      403  404  404  404  302  302  302  302  403  403  403  302
rep_list     200  200  200  200  200  200  200  200  403  403  403  302
rep_write    200  200  200  403  403  403  403  403  403  403  403  302
rep_own      200  404  404  404  200  200  200  200  403  403  403  302
fu_list      200  200  200  200  200  200  200  200  403  403  403  302
fu_own       200  404  404  200  200  200  200  200  403  403  403  302
fu_oth       404  404  200  404  404  404  200  200  403  403  403  302
fu_drop      302  404  404  403  302  302  403  403  403  403  403  302
fu_done      302  404  404  403  302  302  403  403  403  403  403  302
results      200  200  200  200  200  200  200  200  200  200  403  302
reg_search   200  200  200  200  200  200  200  200  403  403  403  302
reg_adr_own  200  404  404  200  200  200  200  200  403  403  403  302
reg_adr_oth  404  404  200  404  404  404  200  200  403  403  403  302
reg_res_own  200  404  404  200  200  200  200  200  403  403  403  302
reg_res_sib  404  200  404  404  200  200  200  200  403  403  403  302
reg_adr_new  200  200  200  403  200  200  403  403  403  403  403  302
reg_res_edit 200  404  404  403  200  200  403  403  403  403  403  302
reg_reveal   200  404  404  403  200  200  200  403  403  403  403  302
ws_today     200  200  200  200  200  200  403  403  403  403  403  302
ws_visit     200  200  200  403  200  200  403  403  403  403  403  302
ws_prevent   200  200  200  200  200  200  403  403  403  403  403  302
ws_worklog   200  200  200  403  403  403  403  403  403  403  403  302
ws_nokind    404  404  404  404  404  404  404  404  404  404  404  302
ws_fu        200  404  404  200  200  200  403  403  403  403  403  302
ws_sw        200  200  200  200  200  200  200  200  200  200  200  200
ws_manifest  200  200  200  200  200  200  200  200  200  200  200  200
m_queue      200  200  200  200  200  200  200  200  403  403  403  302
m_new        200  200  200  200  200  200  200  403  403  403  403  302
m_own        200  404  404  200  200  200  200  200  403  403  403  302
m_oth        404  404  200  404  404  404  200  200  403  403  403  302
m_none       404  404  404  404  404  404  404  404  403  403  403  302
m_accept     302  404  404  403  302  302  302  403  403  403  403  302
m_sla        403  403  403  403  403  403  200  403  200  403  403  302
m_counts     200  200  200  200  200  200  200  200  403  403  403  302
m_reveal     200  404  404  403  200  200  200  403  403  403  403  302
pt_home      200  200  200  200  200  200  200  200  200  200  200  200
pt_search    200  200  200  200  200  200  200  200  200  200  200  200
pt_card      200  200  200  200  200  200  200  200  200  200  200  200
pt_card_twp  404  404  404  404  404  404  404  404  404  404  404  404
pt_card_none 404  404  404  404  404  404  404  404  404  404  404  404
pt_submit    200  200  200  200  200  200  200  200  200  200  200  200
pt_send      201  201  201  201  201  201  201  201  201  201  201  201
pt_track     200  200  200  200  200  200  200  200  200  200  200  200
pt_status    200  200  200  200  200  200  200  200  200  200  200  200
pt_unknown   404  404  404  404  404  404  404  404  404  404  404  404
pt_confirm   200  200  200  200  200  200  200  200  200  200  200  200
pt_reopen    200  200  200  200  200  200  200  200  200  200  200  200
pt_rate      200  200  200  200  200  200  200  200  200  200  200  200
pt_noaction  404  404  404  404  404  404  404  404  404  404  404  404
"""
PERSONA_COLUMNS = {
    "beat": "beat",
    "sib": "sibling",
    "oth": "other",
    "aide": "aide",
    "off": "office_leader",
    "sta": "station_leader",
    "cmd": "commander",
    "insp": "inspector",
    "sys": "sysadmin",
    "sec": "secadmin",
    "aud": "auditor",
    "anon": "anonymous",
}


def _table(text: str) -> dict[tuple[str, str], int]:
    header, *rows = [line.split() for line in text.strip().splitlines()]
    personas = [PERSONA_COLUMNS[column] for column in header[1:]]
    table = {}
    for page, *codes in rows:
        table.update(
            {(persona, page): int(code) for persona, code in zip(personas, codes, strict=True)}
        )
    return table


TABLE = _table(EXPECTED)
PAGES = [line.split()[0] for line in EXPECTED.strip().splitlines()[1:]]
ALL_PERSONAS = [*PERSONAS, "anonymous"]

# A row where every persona gets the same answer (the public portal, the service worker) is
# checked for three personas standing for the rest — anonymous, a beat officer, an admin role —
# instead of twelve: the table still states it for everyone, and `test_uniform_rows_...` below
# keeps a row from being sampled once its personas differ.
UNIFORM_SAMPLE = ("anonymous", "beat", "auditor")
UNIFORM_PAGES = frozenset(
    page for page in PAGES if len({TABLE[(persona, page)] for persona in ALL_PERSONAS}) == 1
)
CASES = [
    (persona, page)
    for page in PAGES
    for persona in (UNIFORM_SAMPLE if page in UNIFORM_PAGES else ALL_PERSONAS)
]


def test_the_table_covers_every_persona_and_page():
    assert {persona for persona, _ in TABLE} == set(ALL_PERSONAS)
    assert len(TABLE) == len(ALL_PERSONAS) * len(PAGES)


def test_uniform_rows_are_the_public_ones_only():
    """Sampling is for rows that are the same for everyone by design: the portal and the
    workspace's service worker and manifest. A staff page never qualifies."""
    assert all(page.startswith(("pt_", "ws_sw", "ws_manifest")) for page in UNIFORM_PAGES)
    assert {page for page in PAGES if page.startswith("pt_")} <= UNIFORM_PAGES


def _request(client, county, page: str):
    a, u = county.areas, county.units

    def get(name, *args):
        return client.get(reverse(name, args=args))

    match page:
        case "home":
            return get("dashboard:home")
        case "tree":
            return get("org:unit_tree")
        case "unit_own" | "unit_sib" | "unit_oth":
            key = {"unit_own": "ws_own", "unit_sib": "ws_sibling", "unit_oth": "ws_other"}[page]
            return get("org:unit_detail", u[key].pk)
        case "area_own" | "area_sib" | "area_oth":
            key = {"area_own": "own", "area_sib": "sibling", "area_oth": "other"}[page]
            return get("org:area_detail", a[key].pk)
        case "area_none":
            return get("org:area_detail", 10**9)
        case "area_list":
            return get("org:area_list")
        case "area_edit":
            return get("org:area_edit", a["own"].pk)
        case "beat_assign":
            return get("org:beat_assign", a["own"].pk)
        case "beat_end":
            beat = Beat.objects.get(officer=county.officers["own"], area=a["own"])
            return client.post(reverse("org:beat_end", args=[beat.pk]), {"end_date": "2015-06-01"})
        case "coverage":
            return get("org:coverage")
        case "off_list":
            return get("org:officer_list")
        case "off_own" | "off_oth":
            key = "own" if page == "off_own" else "other"
            return get("org:officer_detail", county.officers[key].pk)
        case "off_new":
            return get("org:officer_new")
        case "off_edit":
            return get("org:officer_edit", county.officers["own"].pk)
        case "off_transfer":
            url = reverse("org:officer_transfer", args=[county.officers["own"].pk])
            today = timezone.localdate().isoformat()
            return client.post(url, {"unit": u["ws_sibling"].pk, "on": today})
        case "off_leave":
            return get("org:officer_leave", county.officers["own"].pk)
        case "aide_list":
            return get("org:aide_list")
        case "aide_own":
            return get("org:aide_detail", county.aides["own"].pk)
        case "aide_new":
            return get("org:aide_new")
        case "aide_edit":
            return get("org:aide_edit", county.aides["own"].pk)
        case "aide_end":
            url = reverse("org:aide_end", args=[county.aides["own"].pk])
            return client.post(url, {"on": timezone.localdate().isoformat()})
        case "unit_edit":
            return get("org:unit_edit", u["ws_own"].pk)
        case "unit_move":
            return get("org:unit_move", u["ws_sibling"].pk)
        case "unit_close":
            return get("org:unit_close", u["ws_other"].pk)
        case "audit":
            return get("dashboard:audit")
        case "acct_list":
            return get("accounts:account_list")
        case "acct_new":
            return get("accounts:account_new")
        case "acct_own":
            return get("accounts:account_detail", county.user("beat").pk)
        case "acct_oth":
            other = build_county(code="410498", name="邻县公安局", prefix="n-")
            return get("accounts:account_detail", other.user("beat").pk)
        case "acct_dis":
            url = reverse("accounts:account_detail", args=[county.user("sibling").pk])
            return client.post(url, {"action": "disable", "reason": "调离"})
        case "acct_import":
            return get("accounts:import")
        case "org_import":
            return get("org:import")
        case "pw_change":
            return get("accounts:password_change")
        case "two_factor":
            return get("accounts:two_factor")
        case "rules":
            return get("org:rules")
        case "o311_keys":
            return get("open311:keys")
        case "o311_issue":
            return client.post(reverse("open311:keys"), {"name": "城市服务App"})
        case "o311_revoke" | "o311_rev_oth":
            from cunjing.open311.services import client_create

            bureau = county.bureau
            if page == "o311_rev_oth":
                bureau = org.bureau_create(actor=SYSTEM, name="邻县公安局", code="410498")
            app, _key = client_create(actor=SYSTEM, bureau=bureau, name="城市服务App")
            return client.post(reverse("open311:revoke", args=[app.pk]))
        case "fw_list":
            return get("fieldwork:record_list", "visits")
        case "fw_new":
            return get("fieldwork:record_new", "visits")
        case "fw_new_prev":
            return get("fieldwork:record_new", "prevention")
        case "fw_own" | "fw_oth":
            visit = _visit(county, "own" if page == "fw_own" else "other")
            return get("fieldwork:record_detail", "visits", visit.pk)
        case "fw_none":
            return get("fieldwork:record_detail", "visits", 10**9)
        case "fw_correct":
            return get("fieldwork:record_correct", "visits", _visit(county, "own").pk)
        case "fw_void":
            url = reverse("fieldwork:record_void", args=["visits", _visit(county, "own").pk])
            return client.post(url, {"reason": "重复录入"})
        case "cr_list":
            return get("fieldwork:corrections")
        case "cr_own":
            return get("fieldwork:correction_detail", _correction_request(county).pk)
        case "cr_decide":
            url = reverse("fieldwork:correction_detail", args=[_correction_request(county).pk])
            return client.post(url, {"decision": "approve", "note": ""})
        case "log_mine":
            return get("fieldwork:worklog_mine")
        case "log_list":
            return get("fieldwork:worklog_list")
        case "log_own" | "log_oth":
            log = _log(county, "beat" if page == "log_own" else "other")
            return get("fieldwork:worklog_detail", log.pk)
        case "sup_log":
            log = _log(county, "beat")
            return client.post(
                reverse("fieldwork:supervise", args=["worklog", log.pk]),
                {"verdict": "satisfactory", "comment": "好"},
            )
        case "rep_list":
            return get("fieldwork:report_list")
        case "rep_write":
            return get("fieldwork:report_edit")
        case "rep_own":
            report, _ = fieldwork.report_upsert(
                actor=county.user("beat"),
                kind="analysis",
                period_start=dt.date(2014, 10, 6),
                situation="平稳",
                client_uuid=uuid.uuid4(),
            )
            return get("fieldwork:report_detail", report.pk)
        case "fu_list":
            return get("fieldwork:follow_ups")
        case "fu_own" | "fu_oth":
            follow_up = _visit(county, "own" if page == "fu_own" else "other", True)
            return get("fieldwork:follow_up_detail", follow_up.follow_ups.get().pk)
        case "fu_drop":
            pk = _visit(county, "own", True).follow_ups.get().pk
            url = reverse("fieldwork:follow_up_detail", args=[pk])
            return client.post(url, {"action": "drop", "reason": "住户已搬离"})
        case "fu_done":
            pk = _visit(county, "own", True).follow_ups.get().pk
            url = reverse("fieldwork:follow_up_detail", args=[pk])
            body = {
                "action": "done",
                "occurred_on": "2014-10-15",
                "notes": "老人身体好转",
                "client_uuid": str(uuid.uuid4()),
            }
            return client.post(url, body)
        case "ws_fu":
            return get("workspace:follow_up", _visit(county, "own", True).follow_ups.get().pk)
        case "results":
            return get("stats:results")
        case "ws_today":
            return get("workspace:today")
        case "ws_visit" | "ws_prevent" | "ws_worklog" | "ws_nokind":
            kind = {"ws_visit": "visits", "ws_prevent": "prevention", "ws_worklog": "worklogs"}
            return get("workspace:add", kind.get(page, "no-such-kind"))
        case "ws_sw":
            return get("workspace:sw")
        case "ws_manifest":
            return get("workspace:manifest")
        case "m_queue":
            return get("matters:queue")
        case "m_new":
            return get("matters:new")
        case "m_own" | "m_oth":
            return get("matters:detail", _matter(county, page == "m_own").pk)
        case "m_none":
            return get("matters:detail", 10**9)
        case "m_accept":
            pk = _matter(county, True).pk
            return client.post(reverse("matters:act", args=[pk, "accept"]), {"note": ""})
        case "m_sla":
            return get("matters:sla")
        case "m_counts":
            return get("matters:counts")
        case "m_reveal":
            pk = _matter(county, True, reporter_phone="13903751009").pk
            return client.post(reverse("matters:reveal_phone", args=[pk]), {"reason": "回访反映人"})
        case "pt_home":
            return get("portal:home")
        case "pt_search":
            return client.get(reverse("portal:home"), {"q": "wfg"})
        case "pt_card" | "pt_card_twp":
            return get("portal:card", a["own" if page == "pt_card" else "township_a"].pk)
        case "pt_card_none":
            return get("portal:card", 10**9)
        case "pt_submit":
            return client.get(reverse("portal:submit"), {"area": a["own"].pk})
        case "pt_send":
            body = {"area": a["own"].pk, "kind": "request", "description": "路灯坏了"}
            return client.post(reverse("portal:submit"), body)
        case "pt_track":
            return get("portal:track")
        case "pt_status" | "pt_unknown":
            code = _portal_matter(county).tracking_code if page == "pt_status" else "Z" * 12
            return client.post(reverse("portal:track"), {"code": code})
        case "pt_confirm" | "pt_reopen" | "pt_rate" | "pt_noaction":
            action = page.removeprefix("pt_").replace("noaction", "close")
            data = {"code": _portal_matter(county, resolved=True).tracking_code}
            data.update({"reason": "没修好", "score": "5", "note": "", "comment": ""})
            return client.post(reverse("portal:act", args=[action]), data)
    # The registry (一标三实): records in 瓦房沟村 (own), 刘沟村 (sibling), 杨庄村 (other).
    if page.startswith("reg_"):
        from tests.registry.data import build_registry

        r = build_registry(county)
        match page:
            case "reg_search":
                return get("registry:search")
            case "reg_adr_own" | "reg_adr_oth":
                key = "own" if page == "reg_adr_own" else "other"
                return get("registry:address_detail", r.addresses[key].pk)
            case "reg_res_own" | "reg_res_sib":
                key = "own" if page == "reg_res_own" else "sibling"
                return get("registry:resident_detail", r.residents[key].pk)
            case "reg_adr_new":
                return get("registry:address_new")
            case "reg_res_edit":
                return get("registry:resident_edit", r.residents["own"].pk)
            case "reg_reveal":
                url = reverse("registry:resident_reveal", args=[r.residents["own"].pk])
                return client.post(url, {"field": "phone", "reason": "核查身份信息"})
    raise AssertionError(page)


def _visit(county, area: str, follow_up: bool = False):
    persona = "beat" if area == "own" else "other"
    return fieldwork.visit_create(
        actor=county.user(persona),
        area=county.areas[area],
        occurred_on=dt.date(2014, 10, 8),
        client_uuid=uuid.uuid4(),
        household="李家",
        purpose="routine",
        follow_up_needed=follow_up,
    )


def _correction_request(county):
    """The beat officer's request to void their visit, saved eight days ago."""
    visit = _visit(county, "own")
    HouseholdVisit.objects.filter(pk=visit.pk).update(
        created_at=timezone.now() - dt.timedelta(days=8)
    )
    return fieldwork.correction_request(
        actor=county.user("beat"), record=visit, action="void", reason="重复录入"
    )


def _matter(county, own: bool, **fields):
    return matters.matter_create(
        actor=county.user("beat" if own else "other"),
        area=county.areas["own" if own else "other"],
        kind="request",
        description="路灯坏了",
        client_uuid=uuid.uuid4(),
        **fields,
    )


def _portal_matter(county, resolved: bool = False):
    matter = matters.matter_submit(area=county.areas["own"], kind="request", description="路灯")
    if resolved:
        beat = county.user("beat")
        matters.matter_accept(actor=beat, matter=matter)
        matters.matter_reply(actor=beat, matter=matter, channel="phone", text="已派人维修")
        matters.matter_resolve(actor=beat, matter=matter, resolution="已修好")
    return matter


def _log(county, persona: str):
    log, _ = fieldwork.worklog_upsert(
        actor=county.user(persona), day=dt.date(2014, 10, 8), text="日志", client_uuid=uuid.uuid4()
    )
    return log


@pytest.mark.parametrize(("persona", "page"), CASES)
def test_page_access(db, client, county, persona, page):
    if persona != "anonymous":
        client.force_login(county.user(persona))
    response = _request(client, county, page)
    expected = TABLE[(persona, page)]
    assert response.status_code == expected, f"{persona} × {page}"
    if expected == 302:
        login_url = reverse("accounts:login")
        if persona == "anonymous":
            assert response["Location"].startswith(login_url)
        elif page == "log_mine":
            assert response["Location"] == reverse("fieldwork:worklog_list")
        elif page == "m_accept":
            assert response["Location"].startswith("/matters/")
        elif page == "o311_revoke":
            assert response["Location"] == reverse("open311:keys")
        elif page == "sup_log":
            assert response["Location"].startswith("/fieldwork/worklogs/")
        elif page == "off_transfer":
            url = reverse("org:officer_detail", args=[county.officers["own"].pk])
            assert response["Location"] == url
        elif page == "aide_end":
            assert response["Location"] == reverse("org:aide_detail", args=[county.aides["own"].pk])
        elif page == "acct_dis":
            assert response["Location"].startswith("/accounts/users/")
        elif page in ("fu_drop", "fu_done"):
            assert response["Location"] == reverse("fieldwork:follow_ups")
        elif page == "fw_void":
            assert response["Location"].startswith("/fieldwork/records/visits/")
        elif page == "cr_decide":
            assert response["Location"] == reverse("fieldwork:corrections")
        else:
            assert response["Location"] == reverse("org:area_detail", args=[county.areas["own"].pk])
