"""`borderwatch users ...`: accounts made and changed from the command line land in the store
the service reads; every mistake is one line on stderr and exit status 2, and changes nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

import borderwatch.accounts.passwords as passwords_module
from borderwatch.accounts import DataDir, UserStore
from tests.cli import one_line, run_cli

from .helpers import PASSWORD, cheap_hasher


@pytest.fixture(autouse=True)
def _cheap_default_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI builds its store with the default hasher; here that default is the cheap one.
    monkeypatch.setattr(passwords_module, "default_hasher", cheap_hasher)


@pytest.fixture
def data(tmp_path: Path) -> DataDir:
    return DataDir(tmp_path / "data")


def _cli(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    """Run `borderwatch argv...` in-process with `stdin`: (exit status, stdout, stderr)."""
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return run_cli(capsys, *argv)


def _users(data: DataDir) -> Iterator[tuple[str, str, str, bool]]:
    with UserStore(data.accounts, hasher=cheap_hasher(), create=False) as store:
        for u in store.list():
            yield (u.name, u.agency, u.role, u.disabled)


def test_add_then_log_in(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: DataDir
) -> None:
    code, out, err = _cli(
        capsys,
        monkeypatch,
        *("users", "add", "alice", "--agency", "army", "--role", "commander"),
        *("--password-stdin", "--data", str(data.root)),
        stdin=PASSWORD + "\n",
    )
    assert (code, err) == (0, "")
    assert "added alice: commander, army" in out
    assert list(_users(data)) == [("alice", "army", "commander", False)]
    with UserStore(data.accounts, hasher=cheap_hasher()) as store:
        assert store.authenticate("alice", PASSWORD) is not None  # the newline is not in it
    assert data.root.stat().st_mode & 0o077 == 0


def test_add_with_prompt(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: DataDir
) -> None:
    typed = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    code, _, err = _cli(
        capsys,
        monkeypatch,
        *("users", "add", "dz-1", "--agency", "partner:dz", "--role", "partner"),
        *("--data", str(data.root)),
    )
    assert (code, err) == (0, "")
    assert list(_users(data)) == [("dz-1", "partner:dz", "partner", False)]


def test_prompted_passwords_must_match(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: DataDir
) -> None:
    typed = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    code, _, err = _cli(
        capsys,
        monkeypatch,
        *("users", "add", "alice", "--agency", "army", "--role", "operator"),
        *("--data", str(data.root)),
    )
    assert code == 2
    assert "differ" in one_line(err)
    assert not data.root.exists()


ADD = ("users", "add")
OK = PASSWORD + "\n"
# (id, argv, standard input, what the one line must name)
BAD_ADDS = [
    ("unknown-agency", [*ADD, "bob", "--agency", "navy", "--role", "operator"], OK, "navy"),
    ("unknown-role", [*ADD, "bob", "--agency", "army", "--role", "king"], OK, "king"),
    (
        "partner-as-operator",
        [*ADD, "bob", "--agency", "partner:ly", "--role", "operator"],
        OK,
        "does not fit",
    ),
    ("bad-name", [*ADD, "b b", "--agency", "army", "--role", "operator"], OK, "name"),
    ("no-agency", [*ADD, "bob", "--role", "operator"], OK, "--agency"),
    ("duplicate", [*ADD, "ALICE", "--agency", "army", "--role", "analyst"], OK, "'alice' already"),
    ("weak-password", [*ADD, "bob", "--agency", "army", "--role", "analyst"], "short\n", "short"),
    ("name-in-password", [*ADD, "bob", "--agency", "army", "--role", "analyst"], "bob" * 5, "name"),
    ("empty-stdin", [*ADD, "bob", "--agency", "army", "--role", "analyst"], "", "no password"),
]


@pytest.mark.parametrize(
    ("argv", "stdin", "names"), [c[1:] for c in BAD_ADDS], ids=[c[0] for c in BAD_ADDS]
)
def test_bad_add(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    data: DataDir,
    argv: list[str],
    stdin: str,
    names: str,
) -> None:
    with UserStore(data.create().accounts, hasher=cheap_hasher()) as store:
        store.add("alice", "army", "operator", PASSWORD)
    where = ["--password-stdin", "--data", str(data.root)]
    code, out, err = _cli(capsys, monkeypatch, *argv, *where, stdin=stdin)
    assert code == 2
    assert names in one_line(err)
    assert out == ""
    assert list(_users(data)) == [("alice", "army", "operator", False)]


def test_users_needs_a_subcommand(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = _cli(capsys, monkeypatch, "users")
    assert code == 2
    assert "required" in one_line(err)


def test_list_disable_enable_passwd(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: DataDir
) -> None:
    with UserStore(data.create().accounts, hasher=cheap_hasher()) as store:
        store.add("alice", "army", "operator", PASSWORD)
        store.add("gw-n03", "army", "gateway", PASSWORD)
    where = ("--data", str(data.root))

    code, out, _ = _cli(capsys, monkeypatch, "users", "list", *where)
    assert code == 0
    assert [line.split() for line in out.splitlines()] == [
        ["alice", "army", "operator", "enabled"],
        ["gw-n03", "army", "gateway", "enabled"],
    ]
    assert _cli(capsys, monkeypatch, "users", "disable", "alice", *where)[0] == 0
    assert ("alice", "army", "operator", True) in _users(data)
    assert "disabled" in _cli(capsys, monkeypatch, "users", "list", *where)[1]
    assert _cli(capsys, monkeypatch, "users", "enable", "alice", *where)[0] == 0
    assert ("alice", "army", "operator", False) in _users(data)

    new = "a brand new passphrase"
    code, out, err = _cli(
        capsys, monkeypatch, "users", "passwd", "alice", "--password-stdin", *where, stdin=new
    )
    assert (code, err) == (0, "")
    with UserStore(data.accounts, hasher=cheap_hasher()) as store:
        assert store.authenticate("alice", new) is not None
        assert store.authenticate("alice", PASSWORD) is None


@pytest.mark.parametrize("verb", ["disable", "enable", "passwd"])
def test_unknown_user(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: DataDir, verb: str
) -> None:
    with UserStore(data.create().accounts, hasher=cheap_hasher()) as store:
        store.add("alice", "army", "operator", PASSWORD)
    code, _, err = _cli(
        capsys,
        monkeypatch,
        *("users", verb, "zed", "--data", str(data.root)),
        *(["--password-stdin"] if verb == "passwd" else []),
        stdin=PASSWORD,
    )
    assert code == 2
    assert "no user 'zed'" in one_line(err)


@pytest.mark.parametrize("verb", ["list", "disable"])
def test_no_accounts_yet(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: DataDir, verb: str
) -> None:
    argv = ["users", verb, *(["alice"] if verb == "disable" else []), "--data", str(data.root)]
    code, _, err = _cli(capsys, monkeypatch, *argv)
    assert code == 2
    assert "no accounts yet" in one_line(err)
    assert not data.root.exists()


def test_roles_prints_the_table(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _cli(capsys, monkeypatch, "users", "roles")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()}
    roles = ["operator", "commander", "analyst", "admin", "partner", "gateway", "oversight"]
    roles += ["officer"]
    assert rows["permission"] == roles
    assert rows["read_released_incidents"] == [".", ".", ".", ".", "x", ".", ".", "."]
    assert rows["read_reports"] == [".", "x", "x", ".", ".", ".", "x", "."]
