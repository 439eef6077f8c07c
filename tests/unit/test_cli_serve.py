"""`lp-tui serve` before it serves: loopback only unless --public, the extra named when missing, and
the served app started with the same connection, its secrets never on a command line."""

from __future__ import annotations

import sys

import pytest

from lp_tui.cli import main, parser
from lp_tui.cli.serve import app_command, is_loopback


def test_a_host_other_machines_reach_needs_public(capsys):
    assert main(["serve", "--host", "0.0.0.0", "--sandbox"]) == 2
    err = capsys.readouterr().err
    assert "--host 0.0.0.0 is not a loopback address" in err and "--public" in err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "example.com", "::", "127.0.0.1.nip.io"])
def test_other_hosts(host):
    assert not is_loopback(host)


def test_without_the_extra_the_message_says_how_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    monkeypatch.delitem(sys.modules, "lp_tui.cli.serve_web", raising=False)
    import lp_tui.cli

    monkeypatch.delattr(lp_tui.cli, "serve_web", raising=False)  # a module imported before stays an attribute
    assert main(["serve", "--sandbox"]) == 2
    err = capsys.readouterr().err
    assert "needs the optional serve extra" in err and "pip install 'lp-tui[serve]'" in err
    assert "Traceback" not in err


def test_the_served_app_gets_the_same_connection_and_secrets_only_in_its_environment(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["lp-tui"])
    args = parser().parse_args(["serve", "--profile", "qa", "--account", "123", "--client-secret", "s3cret value",
                                "--timeout", "5"])
    command, env = app_command(args)
    assert "--profile qa" in command and "--account 123" in command and "--timeout 5" in command
    assert "s3cret" not in command  # a command line shows in ps
    assert env == {"LP_CLIENT_SECRET": "s3cret value"}
    sandbox, _ = app_command(parser().parse_args(["serve", "--sandbox"]))
    assert sandbox.endswith("-m lp_tui --sandbox")


def test_an_unknown_profile_is_said_before_serving(capsys):
    assert main(["serve", "--profile", "nope"]) == 2
    assert "unknown profile 'nope'" in capsys.readouterr().err


def test_a_port_in_use_is_said_in_one_line(capsys):
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install -e '.[test]')")
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["serve", "--sandbox", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1 port {port}" in err and "Traceback" not in err


def test_public_on_every_address_answers_this_machines_names_and_no_other_site():
    import socket

    from lp_tui.cli.serve_web import GuardedServer

    server = GuardedServer("true", host="0.0.0.0", port=0, token="t", announce=lambda _: None)
    server.public_url = "http://0.0.0.0:8555"
    server.port = 8555
    allowed = server.allowed_hosts()
    assert f"{socket.gethostname().lower()}:8555" in allowed  # a browser on another machine names this one
    assert "127.0.0.1:8555" in allowed and "localhost:8555" in allowed
    assert "evil.example:8555" not in allowed  # DNS rebinding: another site's name is still refused
