"""The second attack: masking that sees what is shown, output nothing can forge or run, two
windows and odd files. Each test is one attack that worked before its fix."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
import threading

import pytest

from lp_tui import paths
from lp_tui.lp.client import LpClient
from lp_tui.lp.errors import LpError
from lp_tui.lp.results import SendResult
from lp_tui.ui.app import make_app
from tests.ui.fakes import session_for, until

from .conftest import assert_terminal_safe, cli, conn_for
from .hostile import APP_JWT, JWS, connector_answer, jwt

# a token whose every part is recognisable: the payload and the signature are its own
TOKEN = jwt({"aud": "12345678", "iss": "Sentinel", "exp": 4_102_444_800, "who": "trust-output-attack"})
STRAY = TOKEN[:60] + "\x01" + TOKEN[60:]  # one stray control character, as a bad paste leaves it
PUSH = "Push-Token-Attack-9fK2Lm"


def parts_of(token: str) -> list[str]:
    """What would give a token away: its payload and signature, and any 12 characters in a row."""
    if token.count(".") == 2:
        _, payload, signature = token.split(".")
        return [payload[:20], signature[:12]]
    return [token[i : i + 12] for i in range(0, len(token) - 11)]


def assert_no_part(where: str, text: str | bytes, token: str) -> None:
    value = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    for part in parts_of(token):
        assert part not in value, f"{where} holds part of the token: {part[:6]}…"


def _send(conn, payload=None) -> SendResult:
    async def run():
        client = LpClient(conn)
        try:
            return await client.create_conversation(payload or [{"type": "userprofile.SetUserProfile"}])
        finally:
            await client.aclose()

    return asyncio.run(run())


# --- masking that sees what is shown ---------------------------------------------------------------
def test_a_pasted_token_with_a_control_character_is_refused_naming_the_setting_not_the_token(hostile):
    for env, flag in (({"LP_APP_JWT": STRAY}, ()), ({}, ("--app-jwt", STRAY)),
                      ({"LP_CONSUMER_JWS": STRAY}, ())):
        result = cli("send", *flag, env=hostile.env(**env))
        output = result.stdout + result.stderr
        assert result.returncode == 2, output
        assert b"control character (U+0001)" in output and (b"AppJWT" in output or b"ConsumerJWS" in output)
        assert_no_part("the refusal", output, TOKEN)
        assert not [r for r in hostile.requests if "/messaging/" in r[1]], "nothing may be sent"


def test_a_token_the_client_holds_with_a_control_character_never_reaches_a_header_or_a_message(hostile):
    with pytest.raises(LpError) as pasted:
        _send(conn_for(hostile, app_jwt=STRAY))
    assert pasted.value.kind == "config" and "pasted AppJWT holds a control character" in str(pasted.value)
    hostile.app_jwt = STRAY  # a server that mints such a token: refused too, never echoed
    with pytest.raises(LpError) as minted:
        _send(conn_for(hostile))
    assert "the AppJWT the server gave holds a control character" in str(minted.value)
    for error in (pasted.value, minted.value):
        assert_no_part("the error", str(error), TOKEN)


@pytest.mark.parametrize("form", ["repr", "bytes repr", "escaped", "json", "cut", "cut escaped"])
def test_a_token_is_masked_in_every_form_it_is_printed_in(form):
    from lp_tui.redact import scrub
    from lp_tui.text import safe

    shown = {"repr": repr(STRAY), "bytes repr": f"Illegal header value {STRAY.encode()!r}", "escaped": safe(STRAY),
             "json": json.dumps(STRAY), "cut": f"value {TOKEN[:70]}… (cut)", "cut escaped": safe(STRAY)[:75]}[form]
    text = scrub(f"before {shown} after", [STRAY, TOKEN])
    assert_no_part(form, text, TOKEN)
    assert text.startswith("before ") and "(redacted)" in text


def test_a_short_secret_cut_short_is_masked_and_other_text_is_left_alone():
    from lp_tui.redact import scrub

    secret = "Client-Secret-Attack-123456"
    assert scrub(f"error: bad secret {secret[:14]}", [secret]) == "error: bad secret (redacted)"
    other = jwt({"aud": "12345678", "iss": "Sentinel", "exp": 1, "who": "someone else entirely"})
    assert other[:90] == TOKEN[:90]  # the same header and first claims: only the end differs
    assert scrub(f"[{other}]", [TOKEN]) == f"[{other}]"  # another token is not a cut copy of this one
    assert scrub(f"[{TOKEN[:90]}…]", [TOKEN]) == "[eyJhbGciOi…(redacted)…]"


def test_evidence_files_are_written_0600(tmp_path):
    from lp_tui.export.evidence import render
    from lp_tui.store import evidence

    os.umask(0o022)
    md, js = evidence.save_pair({"action": "send", "history_id": "abc"}, render, tmp_path)
    written = evidence.write(tmp_path / "named.json", {"action": "send"}, render)
    for path in (md, js, written):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def _record(body_text: str, headers: dict[str, str]) -> dict:
    body = json.dumps([{"type": "userprofile.SetUserProfile",
                        "body": {"privateData": {"pushNotificationData": {"token": PUSH}}}}])
    result = SendResult(action="create conversation", url="https://h/api", status=200, elapsed=0.1,
                        request_headers={"Authorization": APP_JWT, "X-LP-ON-BEHALF": JWS}, request_body=body,
                        response_headers=headers, body_text=body_text)
    return result.to_record()


def test_a_push_token_echoed_in_an_answer_header_is_masked_in_history(lp_home):
    from lp_tui.store.history import History

    entry = _record("[]", {"X-Echo-Token": f"token={PUSH}", f"X-{PUSH}": "1", "X-Jwt": TOKEN})
    History(paths.history_file()).append(entry)
    stored = paths.history_file().read_text()
    assert_no_part("history", stored, PUSH)
    assert_no_part("history", stored, TOKEN)
    assert "(redacted)" in json.dumps(entry["response"]["headers"])


def test_a_push_token_straddling_the_history_cut_is_masked_whole(lp_home):
    from lp_tui.store.history import History

    body = "x" * (200_000 - 14) + PUSH + "y" * 100  # the cut falls 14 characters into the token
    entry = _record(body, {})
    History(paths.history_file()).append(entry)
    assert_no_part("the cut body", entry["response"]["body"], PUSH)
    assert_no_part("history", paths.history_file().read_text(), PUSH)
    assert len(entry["response"]["body"]) <= 200_000


# --- nothing printed or copied can act ---------------------------------------------------------------
async def test_f5_copies_no_conversation_id_holding_a_command(hostile, tmp_path):
    forged = "c-1\ntouch /tmp/pwned-by-paste #"
    hostile.script["*/messaging/consumer/conversation"] = connector_answer(
        [{"code": "OK", "body": {}, "reqId": "1"}, {"code": "OK", "body": {"conversationId": forged}, "reqId": "2"}])
    app = make_app(session_for(tmp_path, conn_for(hostile)))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        await pilot.press("ctrl+j")
        await until(pilot, lambda: app.composer.conversation_id == forged)
        await pilot.press("f5")
        await until(pilot, lambda: any("not copied" in n.message for n in app._notifications))
        note = next(n.message for n in app._notifications if "not copied" in n.message)
        assert "newline" in note and "\\n" in note and "\n" not in note.split("server sent")[-1]
        assert app.clipboard == "" and app.is_running


async def test_f5_still_copies_an_id_of_an_ids_shape(hostile, tmp_path):
    good = "0f3e9c1a-5b2d-4c7e-9a1b-2c3d4e5f6a7b"
    hostile.script["*/messaging/consumer/conversation"] = connector_answer(
        [{"code": "OK", "body": {}, "reqId": "1"}, {"code": "OK", "body": {"conversationId": good}, "reqId": "2"}])
    app = make_app(session_for(tmp_path, conn_for(hostile)))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        await pilot.press("ctrl+j")
        await until(pilot, lambda: app.composer.conversation_id == good)
        await pilot.press("f5")
        await until(pilot, lambda: app.clipboard == good)


def test_a_newline_in_a_sub_answer_forges_no_line_on_stderr(hostile):
    forged = "ok\nconversationId: forged-by-server\nclosed by agent"
    hostile.script["*/messaging/consumer/conversation"] = connector_answer(
        [{"code": "OK", "body": {"msg": forged}, "reqId": "1"},
         {"code": "OK", "body": {"conversationId": "c-1"}, "reqId": "2"},
         {"code": "BAD\nconversationId: forged-code", "body": {"msg": forged}, "reqId": "3\nclosed by x"}])
    result = cli("send", env=hostile.env())
    lines = result.stderr.decode().splitlines()
    assert [line for line in lines if line.startswith("conversationId: ")] == ["conversationId: c-1"], lines
    assert not [line for line in lines if line.startswith("closed by")], lines
    assert "conversationId: forged" not in result.stdout.decode().replace("\\nconversationId", "")


def test_a_newline_in_a_non_json_answer_is_kept_as_indented_continuation(hostile):
    from .hostile import connector_raw

    hostile.script["*/messaging/consumer/conversation"] = connector_raw(
        b"first line\nconversationId: forged\r\n", 502, {"Content-Type": "text/plain"})
    result = cli("send", env=hostile.env())
    lines = result.stdout.decode().splitlines()
    assert lines[0] == "first line" and lines[1].startswith("    ") and "conversationId: forged" in lines[1], lines


def test_every_printer_prints_one_line_per_event(capsys):
    from lp_tui.cli.common import err, out, warn
    from lp_tui.lp.timeline import Entry, line

    entry = Entry(conversation_id="c-1", kind="message", time=0, text="hi\nclosed by agent 7\r\nconversationId: x")
    out(line(entry))
    err(f"webhook: {entry.text}")
    warn(entry.text)
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 1 and len(captured.err.splitlines()) == 2, captured
    for text in (captured.out, captured.err):
        assert not any(part.startswith(("closed by", "conversationId")) for part in text.splitlines())


def test_invisible_characters_in_an_id_are_shown_escaped_on_the_cli(hostile):
    tricky = "hostile\u200b-conv\u202e1"
    hostile.script["*/messaging/consumer/conversation"] = connector_answer(
        [{"code": "OK", "body": {}, "reqId": "1"}, {"code": "OK", "body": {"conversationId": tricky}, "reqId": "2"}])
    result = cli("send", env=hostile.env())
    shown = [line for line in result.stderr.decode().splitlines() if line.startswith("conversationId: ")]
    assert shown == ["conversationId: hostile\\u200b-conv\\u202e1"]


async def test_invisible_characters_in_an_id_are_shown_escaped_in_the_app(hostile, tmp_path):
    tricky = "conv\u200b\u2060-1"
    hostile.script["*/messaging/consumer/conversation"] = connector_answer(
        [{"code": "OK", "body": {}, "reqId": "1"}, {"code": "OK", "body": {"conversationId": tricky}, "reqId": "2"}])
    app = make_app(session_for(tmp_path, conn_for(hostile)))
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        await pilot.press("ctrl+j")
        await until(pilot, lambda: app.composer.conversation_id == tricky)
        shown = str(app.composer.query_one("#conversation-id").render())
        assert "conv\\u200b\\u2060-1" in shown and "\u200b" not in shown


def test_ident_escapes_what_reads_as_another_id():
    from lp_tui.text import ident

    assert ident("abc") == "abc" and ident("host.example") == "host.example"
    assert ident("a\u200bb\u200dc\ufeffd\u00ade") == "a\\u200bb\\u200dc\\ufeffd\\xade"
    assert ident("x\U000e0041y\nz") == "x\\U000e0041y\\nz"
    assert ident("résumé-😀") == "résumé-😀"  # letters and emoji are ids' business


def test_json_evidence_escapes_c1_controls_and_bidi_overrides():
    from lp_tui.export.evidence import to_json

    hostile = "\x9b2J\x9d0;title\x07 \u202eevil\u202c \u2028x"
    text = to_json({"action": "send", "response": {"body": hostile}, hostile: 1})
    assert_terminal_safe("json evidence", text)
    assert "\u2028" not in text and "\\u009b" in text
    assert json.loads(text) == {"action": "send", "response": {"body": hostile}, hostile: 1}


# --- two windows and odd files -------------------------------------------------------------------------
def test_two_windows_saving_settings_keep_each_others_changes(lp_home):
    from lp_tui.store import settings as store

    path = paths.settings_file()
    store.save(store.with_changes(store.load(path), "qa", {"account_id": "1", "client_secret": "qa-secret-1234"}))
    first, second = store.load(path), store.load(path)
    store.save(store.with_changes(first, "prod", {"account_id": "9", "client_secret": "prod-secret-5678"}))
    store.save(store.with_changes(first, "qa", {"client_id": "from-first"}))
    saved = store.save(store.with_changes(second, "qa", {"account_id": "2"}))  # read before the first saved
    final = store.load(path)
    assert final.values("prod") == {"account_id": "9", "client_secret": "prod-secret-5678"}, "a profile was deleted"
    assert final.values("qa") == {"account_id": "2", "client_secret": "qa-secret-1234", "client_id": "from-first"}
    assert saved.values("prod") == final.values("prod")  # the saving window now holds what the file holds


def test_two_windows_changing_the_same_key_are_asked_whose_wins(lp_home):
    from lp_tui.store import settings as store

    path = paths.settings_file()
    store.save(store.with_changes(store.load(path), "qa", {"account_id": "1", "client_secret": "old-secret-1"}))
    first, second = store.load(path), store.load(path)
    store.save(store.with_changes(first, "qa", {"client_secret": "first-secret-2"}))
    mine = store.with_changes(second, "qa", {"client_secret": "second-secret-3", "client_id": "c"})
    with pytest.raises(store.SettingsConflict) as conflict:
        store.save(mine)
    assert [c.where for c in conflict.value.conflicts] == ["profiles.qa.client_secret"]
    assert "secret-3" not in str(conflict.value.conflicts) and "secret-2" not in str(conflict.value.conflicts)
    assert store.load(path).values("qa")["client_secret"] == "first-secret-2", "nothing written before asking"
    store.save(mine, prefer="theirs")
    assert store.load(path).values("qa") == {"account_id": "1", "client_secret": "first-secret-2", "client_id": "c"}
    again = store.with_changes(store.load(path), "qa", {"account_id": "5"})
    store.save(store.with_changes(store.load(path), "qa", {"account_id": "4"}))
    store.save(again, prefer="mine")
    assert store.load(path).values("qa")["account_id"] == "5"


async def test_the_settings_screen_asks_when_another_window_saved_the_same_key(lp_home, tmp_path):
    from textual.widgets import Button

    from lp_tui.store import settings as store
    from lp_tui.ui.screens.settings import SettingsConflictScreen
    from lp_tui.ui.session import load_session

    path = paths.settings_file()
    store.save(store.with_changes(store.load(path), "qa", {"account_id": "1", "ext_consumer_id": "w"}))
    other = store.load(path)
    session = load_session(environ={}, profile="qa")
    store.save(store.with_changes(other, "qa", {"account_id": "77", "client_id": "other-window"}))
    app = make_app(session)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("f2")
        await until(pilot, lambda: app.screen.query("#s-account_id"))
        app.screen.query_one("#s-account_id").value = "42"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, SettingsConflictScreen), "the dialog")
        app.screen.query_one("#mine", Button).press()
        await until(pilot, lambda: any(n.title == "Settings saved" for n in app._notifications))
    session.close()
    final = store.load(path).values("qa")
    assert (final["account_id"], final["ext_consumer_id"], final["client_id"]) == ("42", "w", "other-window")


def test_saving_settings_keeps_unknown_keys_and_backs_up_before_migrating(lp_home):
    from lp_tui.store import settings as store

    path = paths.settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    original = ('editor = "vim"\n\n[connection]\naccount_id = "1"\nclient_secret = "legacy-secret-42"\n\n'
                '[connection.retry]\nretry_429 = 2\n\n[profiles.qa]\naccount_id = "3"\nmy_note = "keep me"\n\n'
                '[extras]\nanything = [1, 2]\n')
    path.write_text(original)
    os.chmod(path, 0o600)
    store.save(store.with_changes(store.load(path), "qa", {"client_id": "x"}))  # no migration: no copy
    assert not list(path.parent.glob("settings.toml.backup-*"))
    text = path.read_text()
    for kept in ('editor = "vim"', "legacy-secret-42", 'my_note = "keep me"', "anything = [", "[connection]"):
        assert kept in text, kept
    saved = store.save(store.with_changes(store.load(path), "default", {"ext_consumer_id": "c"}))  # migrates
    backups = list(path.parent.glob("settings.toml.backup-*"))
    assert len(backups) == 1 and saved.backup == backups[0]
    assert "legacy-secret-42" in backups[0].read_text() and stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    migrated = store.load(path)
    assert migrated.values("default") == {"account_id": "1", "client_secret": "legacy-secret-42",
                                          "retry.retry_429": 2, "ext_consumer_id": "c"}
    assert 'editor = "vim"' in path.read_text() and "anything = [" in path.read_text()


def _fifo(folder, name: str):
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    os.mkfifo(target)
    return target


def test_a_fifo_among_presets_hangs_neither_presets_nor_check(lp_home, tmp_path):
    fifo = _fifo(paths.presets_dir(), "stuck.toml")
    checks = tmp_path / "checks"
    _fifo(checks, "00-stuck.toml")
    (checks / "01-real.toml").write_text('name = "real"\n[draft]\n[expect]\nstatus = 200\n')
    env = {"LP_TUI_HOME": str(lp_home)}
    listed = cli("presets", env=env, timeout=120)
    assert listed.returncode == 0 and b"minimal" in listed.stdout
    assert b"not a regular file (a FIFO" in listed.stderr and str(fifo).encode() in listed.stderr
    checked = cli("check", str(checks), "--sandbox", env=env, timeout=120)
    assert b"not a regular file (a FIFO" in checked.stderr and checked.returncode == 0, checked.stderr
    named = cli("send", "--preset", str(fifo), "--sandbox", env=env, timeout=120)
    assert named.returncode == 2 and b"FIFO" in named.stderr


def test_reading_a_fifo_as_settings_presets_or_rules_never_blocks(tmp_path):
    from lp_tui.model import presets
    from lp_tui.model.routing import RulesError, load_rules
    from lp_tui.store import settings as store

    fifo = _fifo(tmp_path, "settings.toml")
    done: list[object] = []

    def attempt() -> None:
        done.append(store.load(fifo))
        with pytest.raises(presets.PresetError, match="FIFO"):
            presets.load_file(fifo)
        with pytest.raises(RulesError, match="FIFO"):
            load_rules(fifo)
        done.append(presets.user_presets(tmp_path))

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(120)  # a hang becomes a failure, not a stuck suite
    assert not worker.is_alive(), "reading a FIFO blocked"
    assert done[0].bad_file and "FIFO" in done[0].problems[0]
    assert done[1][0] == [] and "FIFO" in done[1][1][0]


async def test_a_fifo_among_presets_does_not_stop_the_app_starting(tmp_path):
    session = session_for(tmp_path)
    _fifo(session.presets_dir, "stuck.toml")
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await until(pilot, lambda: type(app.screen).__name__ == "PresetsScreen", "the presets list")
        await until(pilot, lambda: app.screen.query_one("OptionList").option_count > 0, "the presets listed")


def test_a_torn_last_history_line_never_swallows_the_next_send(lp_home):
    from lp_tui.store.history import History

    history = History(paths.history_file())
    history.append({"id": "first", "ok": True})
    with open(paths.history_file(), "ab") as handle:
        handle.write(b'{"id": "torn", "respo')  # a crash in the middle of a write
    history.append({"id": "second", "ok": True})
    entries, problems = history.load()
    assert [e["id"] for e in entries] == ["first", "second"] and problems == []
    aside = list(paths.history_file().parent.glob("history.jsonl.torn-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == b'{"id": "torn", "respo\n'
    assert stat.S_IMODE(aside[0].stat().st_mode) == 0o600
    with open(paths.history_file(), "ab") as handle:  # a whole entry that lost only its newline is kept
        handle.write(b'{"id": "edited"}')
    history.append({"id": "third"})
    assert [e["id"] for e in history.load()[0]] == ["first", "second", "edited", "third"]


def test_non_ascii_in_a_client_properties_field_is_sent_as_the_same_json(lp_home):
    from lp_tui.sandbox.server import Sandbox
    from lp_tui.sandbox.state import SandboxState

    box = Sandbox(SandboxState()).start()
    try:
        env = {"LP_TUI_HOME": str(lp_home), **{f"LP_{k.upper()}": v for k, v in box.connection_values().items()
                                                if k in ("account_id", "client_id", "client_secret", "csds_url")},
               "LP_EXT_CONSUMER_ID": "cp-unicode"}
        result = cli("send", "--set", "clientProperties.appId=app-é-漢字-😀", env=env)
        assert result.returncode == 0, result.stderr
        header = json.loads(result.stderr.decode().split("Client-Properties: ")[1].splitlines()[0]) \
            if b"Client-Properties: " in result.stderr else None
        built = cli("build", "--set", "clientProperties.appId=app-é-漢字-😀", env=env)
        shown = built.stderr.decode().split("Client-Properties: ")[1].splitlines()[0]
        assert shown.isascii() and json.loads(shown)["appId"] == "app-é-漢字-😀"
        assert header is None or header["appId"] == "app-é-漢字-😀"
    finally:
        box.stop()


async def test_non_ascii_in_a_client_properties_field_sends_from_the_app(tmp_path):
    app = make_app(session_for(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        app.composer.draft.set_text("clientProperties.appId", "app-é-😀")
        await pilot.press("ctrl+j")
        await until(pilot, lambda: app.composer.outcome is not None and not app.composer.busy, "the send")
        result = app.composer.outcome.result
        assert result is not None and result.status == 200, app.composer.outcome
        sent = result.request_headers["Client-Properties"]
        assert sent.isascii() and json.loads(sent)["appId"] == "app-é-😀"


def test_lp_tui_webhooks_shows_a_zero_width_character_in_a_conversation_id_escaped(capsys):
    """A signed notification for "conv\u200b-of-A" must not print exactly like "conv-of-A"."""
    import json as _json
    import time as _time

    from lp_tui.cli.webhooks_cmd import show
    from lp_tui.lp.receiver import Delivery
    from lp_tui.lp.timeline import Inbox
    from lp_tui.lp.webhooks import parse

    body = _json.dumps({"type": "ms.MessagingEventNotification", "body": {"changes": [{
        "sequence": 1, "originatorMetadata": {"id": "a", "role": "ASSIGNED_AGENT"}, "serverTimestamp": 1_760_000_000_000,
        "conversationId": "conv\u200b-of-A", "dialogId": "conv\u200b-of-A",
        "event": {"type": "ContentEvent", "message": "hello"}}]}}).encode()
    show(Inbox(), Delivery(_time.time(), 200, "", parse(body), "x"))
    printed = capsys.readouterr().out
    assert "\u200b" not in printed and "conv\\u200b-of-A" in printed, printed
