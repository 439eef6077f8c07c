"""Usage mistakes: "did you mean" for flags and commands; missing credentials name the profile and
where to set them; connection flags without a secret never fall back to the sandbox."""

from __future__ import annotations

import pytest

from lp_tui.cli import main


def run(capsys, *argv):
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    return exit_.value.code, capsys.readouterr().err


@pytest.mark.parametrize("argv, guess", [
    (["--sandox"], "did you mean --sandbox?"),
    (["sned"], "did you mean send?"),
    (["send", "--presett", "minimal"], "did you mean --preset?"),
])
def test_a_typo_exits_2_and_names_the_nearest(capsys, argv, guess):
    code, err = run(capsys, *argv)
    assert code == 2 and guess in err


def test_a_flag_of_other_commands_is_named_as_such_with_the_commands_help(capsys):
    code, err = run(capsys, "webhooks", "--timeout", "3")
    assert code == 2
    assert "`lp-tui webhooks` does not take --timeout" in err and "did you mean --timeout" not in err
    assert "Try `lp-tui webhooks --help`." in err


def test_the_receiver_offers_only_what_a_signature_check_uses(capsys):
    from lp_tui.cli import parser

    helptext = parser()._subparsers._group_actions[0].choices["webhooks"].format_help()
    for flag in ("--account", "--client-id", "--client-secret", "--profile", "--sandbox", "--port"):
        assert flag in helptext
    for flag in ("--timeout", "--app-jwt", "--consumer-jws", "--rules", "--no-retry", "--csds-url", "--ca-bundle"):
        assert flag not in helptext, flag


def test_no_guess_for_nonsense(capsys):
    code, err = run(capsys, "--qqqqqqqq")
    assert code == 2 and "did you mean" not in err


def test_missing_credentials_name_the_profile_the_file_and_the_variables(capsys):
    code = main(["send", "--account", "123", "--preset", "minimal"])
    err = capsys.readouterr().err
    assert code == 2
    assert "profile 'default' is not configured" in err and "client id and secret" in err
    assert "[profiles.default] of" in err and "settings.toml" in err and "LP_CLIENT_SECRET" in err


def test_connection_flags_without_a_secret_start_on_that_connection():
    from lp_tui.ui.session import load_session

    session = load_session(flags={"account_id": "123", "csds_url": "https://example.invalid"}, environ={})
    assert not session.use_sandbox and session.conn.account_id == "123"
    assert any("--account" in note and "not complete" in note for note in session.startup_notes)
    # with no connection flags at all, an empty configuration still starts on the sandbox (and says so)
    assert load_session(environ={}).use_sandbox


@pytest.mark.parametrize("account", ["12 34", "12/../34", "1?x=2", "../etc"])
def test_an_account_id_that_would_change_the_url_is_refused_with_what_to_give(capsys, account):
    code = main(["send", "--account", account, "--preset", "minimal"])
    err = capsys.readouterr().err
    assert code == 2 and "--account" in err and "site id" in err and "Traceback" not in err


def test_an_account_id_in_the_settings_file_is_checked_too():
    from lp_tui.model.connection import SETTINGS, SettingError

    account = next(s for s in SETTINGS if s.name == "account_id")
    assert account.parse("12345678") == "12345678"
    with pytest.raises(SettingError, match="site id"):
        account.parse("12 34", "profiles.qa.")
