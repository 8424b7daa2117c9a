"""Bearer tokens: signed JWTs (PyJWT, HS256) that say who the user is for one shift.

Claims: `sub` (user name), `agency`, `role`, `iat`, `exp` (`iat` + 12 h by default), `jti`
(unique per token, for the audit trail) and `gen` (the user's generation, see `users`).
`verify` accepts only HS256 with our key, so an unsigned (`alg: none`) or re-signed token is
refused, and it checks the store on every call: a disabled account, a changed password or a
changed role ends a session at once, not at its expiry.

The key is 32 random bytes in `DATA/token.key`, made once with mode 0600; one key, in one
file, because one service signs and checks. Time comes from an injectable clock: PyJWT reads
the wall clock itself, so its time checks are off and ours are made with `clock`.
"""

from __future__ import annotations

import os
import secrets
import stat
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import jwt
import msgspec

from borderwatch.accounts.errors import TokenError, UnknownUserError
from borderwatch.accounts.roles import Role
from borderwatch.accounts.users import User, UserStore
from borderwatch.errors import ConfigError
from borderwatch.messages.common import Id

__all__ = ["ALGORITHM", "KEY_BYTES", "SHIFT_S", "Claims", "TokenService", "signing_key"]

ALGORITHM = "HS256"
SHIFT_S = 12 * 3600
KEY_BYTES = 32
# A token stamped a little ahead of our clock (another process's clock) is still fine.
_LEEWAY_S = 30
_REQUIRED = ["sub", "agency", "role", "iat", "exp", "jti", "gen"]


class Claims(msgspec.Struct, frozen=True, kw_only=True):
    """What a verified token says: who, their agency and role, and its lifetime (UTC s)."""

    sub: Id
    agency: Id
    role: Role
    iat: int
    exp: int
    jti: str
    gen: int


def signing_key(path: Path) -> bytes:
    """The key in `path`, made (32 random bytes, mode 0600) if there is none yet."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(KEY_BYTES))
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            str(path), f"the token key is readable by others (mode {mode:04o}); chmod 600 it"
        )
    key = path.read_bytes()
    if len(key) < KEY_BYTES:
        raise ConfigError(str(path), f"the token key is {len(key)} bytes, at least {KEY_BYTES}")
    return key


class TokenService:
    """Issue and verify tokens with one key, against one user store."""

    def __init__(
        self,
        key: bytes,
        users: UserStore,
        *,
        lifetime_s: int = SHIFT_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if len(key) < KEY_BYTES:
            raise ConfigError("token key", f"{len(key)} bytes, at least {KEY_BYTES}")
        if lifetime_s <= 0:
            raise ConfigError("token lifetime", f"must be > 0 s, got {lifetime_s}")
        self._key = key
        self._users = users
        self.lifetime_s = lifetime_s
        self._clock = clock
        # Refused tokens by reason, for the metrics.
        self.rejections: Counter[str] = Counter()

    def issue(self, user: User) -> str:
        """A signed token for `user`, valid for `lifetime_s` from now."""
        if user.disabled:
            raise TokenError("user disabled")
        iat = int(self._clock())
        claims = Claims(
            sub=user.name,
            agency=user.agency,
            role=user.role,
            iat=iat,
            exp=iat + self.lifetime_s,
            jti=secrets.token_urlsafe(16),
            gen=user.generation,
        )
        return jwt.encode(msgspec.structs.asdict(claims), self._key, algorithm=ALGORITHM)

    def verify(self, token: str) -> Claims:
        """The token's claims, or `TokenError` saying why it is refused."""
        try:
            claims = self._check(token)
        except TokenError as exc:
            self.rejections[exc.reason] += 1
            raise
        return claims

    def _check(self, token: str) -> Claims:
        try:
            payload = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                options={
                    "require": _REQUIRED,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidAlgorithmError:
            raise TokenError("algorithm not allowed (only HS256)") from None
        except jwt.InvalidSignatureError:
            raise TokenError("bad signature") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError(f"missing claim {exc.claim!r}") from None
        except jwt.PyJWTError:
            raise TokenError("malformed token") from None
        try:
            claims = msgspec.convert(payload, Claims)
        except msgspec.ValidationError as exc:
            raise TokenError(f"malformed claims ({exc})") from None
        now = self._clock()
        if now >= claims.exp:
            raise TokenError("expired")
        if claims.iat > now + _LEEWAY_S:
            raise TokenError("issued in the future")
        try:
            user = self._users.get(claims.sub)
        except UnknownUserError:
            raise TokenError("unknown user") from None
        if user.disabled:
            raise TokenError("user disabled")
        if user.generation != claims.gen:
            raise TokenError("session ended (password changed or account disabled)")
        if (user.role, user.agency) != (claims.role, claims.agency):
            raise TokenError("role or agency changed since login")
        return claims
