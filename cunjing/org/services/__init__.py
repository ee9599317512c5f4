"""Writes to the organisation: one function per use case, each atomic and audited.

``actor`` is the acting user, or ``None`` for the system itself (demo, import command), which
is audited as such. Permission and scope are checked here, so pages, the API and commands share
one rule; a write that would leave the actor's jurisdiction is refused inside the transaction.

- :mod:`.structure`: the bureau and its rules, units (create, edit, move, close), areas,
  coverage;
- :mod:`.people`: officers (create, edit, transfer, retire), beats, aides (add, edit, end).
"""

from cunjing.org.services.people import (
    AIDE_EDITABLE,
    OFFICER_EDITABLE,
    aide_create,
    aide_end,
    aide_update,
    beat_assign,
    beat_end,
    officer_create,
    officer_leave,
    officer_transfer,
    officer_update,
)
from cunjing.org.services.structure import (
    AREA_EDITABLE,
    BBOX_FIELDS,
    BUREAU_RULES,
    UNIT_EDITABLE,
    area_create,
    area_set_boundary,
    area_update,
    bureau_create,
    bureau_root_unit,
    bureau_rules_update,
    coverage_create,
    coverage_reassign,
    pinyin_of,
    unit_close,
    unit_create,
    unit_move,
    unit_update,
)

__all__ = [
    "AIDE_EDITABLE",
    "AREA_EDITABLE",
    "BBOX_FIELDS",
    "BUREAU_RULES",
    "OFFICER_EDITABLE",
    "UNIT_EDITABLE",
    "aide_create",
    "aide_end",
    "aide_update",
    "area_create",
    "area_set_boundary",
    "area_update",
    "beat_assign",
    "beat_end",
    "bureau_create",
    "bureau_root_unit",
    "bureau_rules_update",
    "coverage_create",
    "coverage_reassign",
    "officer_create",
    "officer_leave",
    "officer_transfer",
    "officer_update",
    "pinyin_of",
    "unit_close",
    "unit_create",
    "unit_move",
    "unit_update",
]
