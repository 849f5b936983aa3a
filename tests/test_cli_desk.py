"""``paylink desk``: users and API keys from the command line; a password is never a flag."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from paylink import Paylink
from paylink.cli import main


def test_users_and_keys_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    with Paylink.open(url, base_url="http://desk.example") as pl:
        org = pl.organizations.create(name="Alpha SRL", country="BE")
    run = CliRunner()
    added = run.invoke(
        main,
        ["desk", "user", "add", "--db", url, "--org", org.id, "--email", "Owner@Alpha.example"],
        input="a long password\na long password\n",
    )
    assert added.exit_code == 0, added.output
    assert "a long password" not in added.output and "owner@alpha.example" in added.output
    # no --password flag exists: a password never sits in the shell's history
    flagged = run.invoke(
        main, ["desk", "user", "add", "--db", url, "--email", "x@alpha.example", "--password", "p"]
    )
    assert flagged.exit_code == 2
    from_env = run.invoke(
        main,
        ["desk", "user", "add", "--db", url, "--email", "two@alpha.example", "--json"],
        env={"PAYLINK_DESK_PASSWORD": "another long one"},
    )
    assert json.loads(from_env.output)["email"] == "two@alpha.example"
    short = run.invoke(
        main,
        ["desk", "user", "add", "--db", url, "--email", "three@alpha.example"],
        env={"PAYLINK_DESK_PASSWORD": "short"},
    )
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    with Paylink.open(url, base_url="http://desk.example") as pl:
        assert pl.desk.login("owner@alpha.example", "a long password").outcome == "ok"
        assert pl.desk.login("two@alpha.example", "another long one").outcome == "ok"

    made = run.invoke(main, ["desk", "key", "create", "--db", url, "--name", "sync", "--json"])
    assert made.exit_code == 0, made.output
    created = json.loads(made.output)
    secret = created["key"]
    assert secret.startswith("plk_")
    listed = run.invoke(main, ["desk", "key", "list", "--db", url, "--json"])
    assert secret not in listed.output
    assert [k["id"] for k in json.loads(listed.output)] == [created["id"]]
    with Paylink.open(url, base_url="http://desk.example") as pl:
        assert pl.desk.authenticate_key(secret) is not None
    revoked = run.invoke(main, ["desk", "key", "revoke", "--db", url, created["id"]])
    assert revoked.exit_code == 0
    again = run.invoke(main, ["desk", "key", "revoke", "--db", url, created["id"]])
    assert again.exit_code != 0
    with Paylink.open(url, base_url="http://desk.example") as pl:
        assert pl.desk.authenticate_key(secret) is None
