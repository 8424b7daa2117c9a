"""Accounts: users, their agencies and roles, passwords, bearer tokens.

No web framework in here: the API calls `UserStore.authenticate` at login, `TokenService`
to issue and verify tokens, and `allowed`/`may_read_incident` on every endpoint.
`borderwatch users ...` manages the same store from the command line.
"""

from borderwatch.accounts.data import DEFAULT_DATA_DIR, DataDir
from borderwatch.accounts.errors import (
    AccountError,
    DuplicateUserError,
    InvalidAccountError,
    TokenError,
    UnknownUserError,
    WeakPasswordError,
)
from borderwatch.accounts.passwords import Passwords, check_password, default_hasher
from borderwatch.accounts.roles import (
    NATIONAL_AGENCIES,
    OVERSIGHT_AGENCY,
    PERMISSION_NAMES,
    PERMISSIONS,
    ROLES,
    Permission,
    Role,
    allowed,
    check_account,
    check_agency,
    check_role,
    is_partner_agency,
    may_read_incident,
    permissions_of,
    render_table,
)
from borderwatch.accounts.tokens import SHIFT_S, Claims, TokenService, signing_key
from borderwatch.accounts.users import User, UserStore, check_name

__all__ = [
    "DEFAULT_DATA_DIR",
    "NATIONAL_AGENCIES",
    "OVERSIGHT_AGENCY",
    "PERMISSIONS",
    "PERMISSION_NAMES",
    "ROLES",
    "SHIFT_S",
    "AccountError",
    "Claims",
    "DataDir",
    "DuplicateUserError",
    "InvalidAccountError",
    "Passwords",
    "Permission",
    "Role",
    "TokenError",
    "TokenService",
    "UnknownUserError",
    "User",
    "UserStore",
    "WeakPasswordError",
    "allowed",
    "check_account",
    "check_agency",
    "check_name",
    "check_password",
    "check_role",
    "default_hasher",
    "is_partner_agency",
    "may_read_incident",
    "permissions_of",
    "render_table",
    "signing_key",
]
