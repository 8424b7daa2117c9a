"""Logging in, and the check every endpoint makes: OAuth2's password flow gives a signed
bearer token (`POST /api/v1/token`); `Require(permission, ...)` verifies it and checks the
role against the one permission table (`accounts.PERMISSIONS`).

Login and logout are operator actions in the event log, so the audit trail says who was on
watch; so is every failed login (`login_failed`, with the address it came from and why). A
token ends at the end of the shift, when the user's password or role changes, the account is
disabled or its sessions revoked (the token service checks the user's generation), or at
logout. Failed logins back off per account and per address (`accounts.throttle`): past a few
free tries the caller waits, doubling each time, and is told so with 429 and `Retry-After`.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Form, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer
from starlette.responses import Response

from borderwatch.accounts import Claims, Permission, TokenError, User, allowed, permissions_of
from borderwatch.accounts.passwords import MAX_LENGTH
from borderwatch.accounts.throttle import TooManyAttemptsError
from borderwatch.api.errors import ForbiddenError
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.state import ApiState, state_of
from borderwatch.messages import ActionKind, OperatorAction
from borderwatch.messages.common import Id

__all__ = [
    "Me",
    "Require",
    "TokenResponse",
    "act_as",
    "route_permissions",
    "router",
    "verify",
]

TOKEN_URL = "/api/v1/token"
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)

router = APIRouter(tags=["accounts"], default_response_class=MsgspecResponse)


class TokenResponse(msgspec.Struct, frozen=True, kw_only=True):
    """OAuth2's token response, plus who the token says the user is."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int
    user: str
    agency: str
    role: str


class Me(msgspec.Struct, frozen=True, kw_only=True):
    """Who the token belongs to, and what they may do (a console shows only that)."""

    user: str
    agency: str
    role: str
    permissions: list[str]
    expires: int


class Require:
    """A dependency: the caller's verified `Claims`, if the role holds any of `permissions`
    (none given: any signed-in user). 401 without a valid token, 403 naming the permission."""

    def __init__(self, *permissions: Permission) -> None:
        self.permissions = permissions

    async def __call__(
        self, request: Request, token: Annotated[str | None, Depends(_bearer)]
    ) -> Claims:
        claims = verify(state_of(request), token)
        if self.permissions and not any(allowed(claims.role, p) for p in self.permissions):
            needs = " or ".join(self.permissions)
            raise ForbiddenError(f"forbidden: role {claims.role!r} does not hold {needs}")
        return claims


def verify(api: ApiState, token: str | None) -> Claims:
    """The claims of a token that is signed, current, and not logged out; else TokenError."""
    if not token:
        raise TokenError(f"no token (log in at {TOKEN_URL}; send Authorization: Bearer ...)")
    claims = api.service.tokens.verify(token)
    if api.sessions.is_ended(claims.jti):
        raise TokenError("logged out")
    return claims


def route_permissions(route: APIRoute) -> tuple[Permission, ...] | None:
    """The permissions a route requires (any one of them; () = any signed-in user), or None
    if it checks no token at all."""

    def walk(dependant: Dependant) -> tuple[Permission, ...] | None:
        for dep in dependant.dependencies:
            if isinstance(dep.call, Require):
                return dep.call.permissions
            found = walk(dep)
            if found is not None:
                return found
        return None

    return walk(route.dependant)


def act_as(
    api: ApiState,
    claims: Claims,
    action: ActionKind,
    target: str | None = None,
    why: str = "",
    **params: str,
) -> OperatorAction:
    """An operator action by the token's user, now (wall clock)."""
    return OperatorAction(
        id=api.service.new_action_id(),
        user=claims.sub,
        agency=claims.agency,
        role=claims.role,
        time_ns=api.service.clock(),
        action=action,
        target=target,
        why=why,
        params=params,
    )


@router.post(
    "/token",
    summary="Log in (OAuth2 password flow): a bearer token for one shift",
    responses=returns(TokenResponse, 429),
)
async def login(
    request: Request,
    username: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=MAX_LENGTH)],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> Response:
    """Check the password (argon2id, off the event loop) and log the login; a failure is
    logged too, and counted towards the account's and the address's back-off."""
    api = state_of(request)
    users = api.service.users
    address = request.client.host if request.client else "unknown"
    try:
        api.throttle.check(username, address)
    except TooManyAttemptsError as exc:
        if exc.first:
            await _audit_failure(api, username, None, address, f"throttled_{exc.what}")
        raise
    user, why = await asyncio.to_thread(users.login, username, password)
    if user is None or why:
        api.throttle.failed(username, address)
        await _audit_failure(api, username, user, address, why)
        # One answer for an unknown name, a wrong password and a disabled account.
        raise TokenError("wrong user name or password, or the account is disabled")
    api.throttle.succeeded(username)
    token = api.service.tokens.issue(user)
    claims = api.service.tokens.verify(token)
    await api.service.act(act_as(api, claims, "login", session=claims.jti))
    return MsgspecResponse(
        TokenResponse(
            access_token=token,
            expires_in=claims.exp - claims.iat,
            user=claims.sub,
            agency=claims.agency,
            role=claims.role,
        )
    )


_NAME_OK = msgspec.json.Decoder(Id)


async def _audit_failure(
    api: ApiState, username: str, user: User | None, address: str, why: str
) -> None:
    """A failed login as an action in the audit trail: the name tried (or `invalid-name`), the
    account's agency and role if it exists, the address, why. Throttled tries are logged
    once per back-off (`LoginThrottle.check` lets the first one of each through here)."""
    try:
        name = _NAME_OK.decode(msgspec.json.encode(username))
    except msgspec.ValidationError:
        name = "invalid-name"
    action = OperatorAction(
        id=api.service.new_action_id(),
        user=name,
        agency=user.agency if user else "unknown",
        role=user.role if user else "unknown",
        time_ns=api.service.clock(),
        action="login_failed",
        params={"address": address[:200], "reason": why},
    )
    await api.service.act(action)


@router.post(
    "/logout",
    summary="End this token's session",
    status_code=204,
    responses=returns(None, status=204),
)
async def logout(request: Request, claims: Annotated[Claims, Depends(Require())]) -> Response:
    """Log the logout, then refuse the token from now on."""
    api = state_of(request)
    await api.service.act(act_as(api, claims, "logout", session=claims.jti))
    api.sessions.end(claims.jti, claims.exp, api.service.clock() / 1e9)
    return Response(status_code=204)


@router.get("/me", summary="Who this token is, and what they may do", responses=returns(Me))
async def me(claims: Annotated[Claims, Depends(Require())]) -> Response:
    """The token's user, agency, role and permissions."""
    return MsgspecResponse(
        Me(
            user=claims.sub,
            agency=claims.agency,
            role=claims.role,
            permissions=sorted(permissions_of(claims.role)),
            expires=claims.exp,
        )
    )
