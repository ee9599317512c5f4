"""Request and response bodies of the accounts API: the sign-in token, the current user, and
the security admin's administration of accounts."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from cunjing.accounts.selectors import AccountState
from cunjing.core.api import BodyId, InputSchema, Text
from cunjing.core.roles import Role


class TokenIn(InputSchema):
    username: Text = Field(..., min_length=1, max_length=150)
    password: Text = Field(..., min_length=1, max_length=4096)
    otp: Text = Field(
        "",
        max_length=20,
        description="With two-factor sign-in: the code of the authenticator app, or a "
        "recovery code.",
    )


class RoleOut(Schema):
    code: str = Field(description="Role code, e.g. `beat_officer`.")
    label: str = Field(description="Role name in the user's language.")


class UnitRefOut(Schema):
    id: int
    kind: str
    name: str


class BureauOut(Schema):
    id: int
    name: str
    code: str = Field(description="6-digit county division code.")


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    role: RoleOut | None = Field(description="Null for an account without a role.")
    unit: UnitRefOut | None = Field(description="The unit whose subtree is the jurisdiction.")
    bureau: BureauOut | None
    capabilities: list[str] = Field(description="Capability codes of the role, sorted.")


class TokenOut(Schema):
    token: str = Field(
        description="The bearer token; shown once, send as `Authorization: Bearer <token>`."
    )
    expires_at: dt.datetime
    user: MeOut


# --- The security admin's administration of accounts -------------------------------------------


class AccountOut(Schema):
    id: int
    username: str
    full_name: str
    role: str = Field(description="Role code.")
    unit: UnitRefOut | None
    officer_id: int | None
    aide_id: int | None
    is_active: bool
    locked: bool = Field(description="Locked by failed sign-ins right now.")
    must_change_password: bool
    two_factor: bool = Field(description="Signs in with an authenticator app's code.")
    last_login: dt.datetime | None
    password_changed_at: dt.datetime | None


class AccountPage(Schema):
    items: list[AccountOut]
    count: int


class AccountFilter(Schema):
    q: Text = Field("", max_length=50, description="Username, name, pinyin or initials.")
    role: Role | None = None
    unit: int | None = Field(None, ge=1, le=2**63 - 1, description="The unit and its subtree.")
    state: AccountState | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class AccountIn(InputSchema):
    username: Text = Field(min_length=1, max_length=150)
    full_name: Text = Field(min_length=1, max_length=50)
    role: Role
    unit: BodyId
    officer: BodyId | None = None
    aide: BodyId | None = None


class AccountPatchIn(InputSchema):
    # Leave it out to keep the name; null is no name (a 422, not a name-less account).
    full_name: Text = Field(None, min_length=1, max_length=50)
    role: Role | None = None
    unit: BodyId | None = None


class DisableIn(InputSchema):
    reason: Text = Field(min_length=1, max_length=500)


class OneTimePasswordOut(Schema):
    account: AccountOut
    password: str = Field(
        description="The one-time password: shown once, to be changed at the first sign-in."
    )
