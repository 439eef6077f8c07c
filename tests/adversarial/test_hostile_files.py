"""Files that would destroy or leak: preset names, wrong types, crash dumps, deep nesting."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from lp_tui import paths
from lp_tui.lp.client import LpClient
from lp_tui.model import presets
from lp_tui.model.connection import Connection
from lp_tui.store import presets as preset_files
from lp_tui.store import settings as store
from lp_tui.ui.app import make_app
from lp_tui.ui.session import load_session
from tests.ui.fakes import session_for, until

from .conftest import cli

SECRET = "Never-Print-Me-5uP3r"
DEEP_JSON = "[" * 5000 + "]" * 5000
DEEP_TOML = "x = " + "[" * 5000 + "]" * 5000 + "\n"


def write_settings(text: str) -> None:
    paths.settings_file().parent.mkdir(parents=True, exist_ok=True)
    paths.settings_file().write_text(text)
    os.chmod(paths.settings_file(), 0o600)


@pytest.mark.parametrize("inner", ["../settings", "/tmp/evil", "a/b", "..", ""])
async def test_a_preset_naming_another_file_is_refused_and_deletes_nothing_else(lp_home, inner, tmp_path):
    write_settings(f'[profiles.qa]\nclient_secret = "{SECRET}"\n')
    folder = paths.presets_dir()
    folder.mkdir(parents=True)
    (folder / "evil.toml").write_text(f'name = {json.dumps(inner)}\n')
    found, problems = presets.user_presets(folder)
    if inner:
        assert found == [] and any("not a plain preset name" in p for p in problems)
    else:  # no inner name: the file's own name is used
        assert [p.name for p in found] == ["evil"]
        preset_files.delete(found[0], folder)
        assert not (folder / "evil.toml").exists()
    assert SECRET in paths.settings_file().read_text()


def test_delete_acts_only_on_the_file_read_and_only_inside_the_presets_folder(lp_home, tmp_path):
    folder = paths.presets_dir()
    folder.mkdir(parents=True)
    outside = tmp_path / "precious.toml"
    outside.write_text('name = "precious"\n')
    forged = presets.Preset("precious", path=outside)
    with pytest.raises(presets.PresetError, match="not a preset file"):
        preset_files.delete(forged, folder)
    link = folder / "link.toml"
    link.symlink_to(outside)
    with pytest.raises(presets.PresetError):
        preset_files.delete(presets.Preset("link", path=link), folder)
    assert outside.exists()


async def test_the_app_deletes_the_file_the_preset_came_from(lp_home):
    write_settings(f'[profiles.qa]\nclient_secret = "{SECRET}"\n')
    folder = paths.presets_dir()
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text('name = "mine"\ndescription = "delete me"\n')
    session = load_session(environ={})
    app = make_app(session)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f3")
            await until(pilot, lambda: type(app.screen).__name__ == "PresetsScreen" and app.screen.items)
            names = [p.name for p in app.screen.items]
            app.screen.query_one("#preset-list").highlighted = names.index("mine")
            await pilot.press("delete")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
            await pilot.press("y")
            await until(pilot, lambda: not (folder / "mine.toml").exists())
    finally:
        session.close()
    assert SECRET in paths.settings_file().read_text()


@pytest.mark.parametrize("bad", ['csds_url = ["x"]', "app_jwt = 12345", "read_timeout = \"soon\"",
                                 "production = \"maybe\"", "retry_429 = -3", "max_answer_mb = 1e999"])
async def test_wrong_types_in_settings_are_named_and_the_app_still_starts(lp_home, bad):
    write_settings(f'profile = "qa"\n[profiles.qa]\naccount_id = "1"\nclient_id = "c"\n'
                   f'client_secret = "{SECRET}"\n{bad}\n')
    session = load_session(environ={})
    key = bad.split(" =")[0]
    assert any(key in note for note in session.startup_notes), session.startup_notes
    app = make_app(session)
    said: list[str] = []  # every notice given, however soon a busy machine lets it expire or be replaced
    notify = app.notify
    app.notify = lambda message, **kw: (said.append(message), notify(message, **kw))[1]  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: any(key in message for message in said))
    session.close()


def test_nothing_that_holds_a_secret_shows_it_in_its_repr():
    conn = Connection(client_secret=SECRET, app_jwt="eyJhbGciOiJIUzI1NiJ9." + "A" * 40 + ".sig",
                      consumer_jws="jws-" + SECRET)
    client = LpClient(conn)
    client._app_jwt[("u", "a", "c")] = "token-" + SECRET
    for text in (repr(conn), str(conn), repr(client), repr([conn, client])):
        assert SECRET not in text and "A" * 40 not in text


def test_a_crash_report_shows_no_local_variables(lp_home):
    """Textual's crash dump printed every local: the client secret three times. Not any more."""
    write_settings(f'profile = "qa"\n[profiles.qa]\naccount_id = "1"\nclient_id = "c"\nclient_secret = "{SECRET}"\n')
    script = (
        "from lp_tui.ui.session import load_session\n"
        "from lp_tui.ui.app import make_app\n"
        "session = load_session(environ={})\n"
        "app = make_app(session)\n"
        "def boom():\n"
        "    secret = session.conn.client_secret\n"
        "    raise RuntimeError('a bug somewhere')\n"
        "app.call_later(lambda: app.call_after_refresh(boom))\n"
        "app.run(headless=True)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "LP_TUI_HOME": str(lp_home)})
    output = result.stdout + result.stderr
    assert "a bug somewhere" in output  # the crash was reported
    assert SECRET not in output


async def test_saving_settings_with_the_secret_in_the_environment_keeps_the_files_own(lp_home):
    write_settings(f'profile = "qa"\n[profiles.qa]\naccount_id = "1"\nclient_id = "c"\nclient_secret = "{SECRET}"\n')
    session = load_session(environ={"LP_CLIENT_SECRET": "from-the-environment"})
    app = make_app(session)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("f2")
        await until(pilot, lambda: app.screen.query("#s-read_timeout"))
        assert app.screen.query_one("#s-client_secret").disabled
        app.screen.query_one("#s-read_timeout").value = "12"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(n.title == "Settings saved" for n in app._notifications))
    session.close()
    values = store.load(paths.settings_file()).values("qa")
    assert values["client_secret"] == SECRET and values["read_timeout"] == 12
    assert "from-the-environment" not in paths.settings_file().read_text()


async def test_the_secret_field_does_not_copy_its_value(lp_home):
    write_settings(f'profile = "qa"\n[profiles.qa]\naccount_id = "1"\nclient_id = "c"\nclient_secret = "{SECRET}"\n')
    session = load_session(environ={})
    app = make_app(session)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("f2")
        await until(pilot, lambda: app.screen.query("#s-client_secret"))
        field = app.screen.query_one("#s-client_secret")
        field.focus()
        await until(pilot, lambda: app.focused is field)
        await pilot.press("ctrl+a", "ctrl+c", "ctrl+x")
        await until(pilot, lambda: any("not copied" in n.message for n in app._notifications))
        assert SECRET not in (app.clipboard or "") and field.value == SECRET
    session.close()


# --- nesting 5000 deep, everywhere a file or a flag can bring it --------------------------------------
def test_deep_json_in_set_json_and_raw_bodies_is_one_line(tmp_path, hostile):
    result = cli("build", "--set-json", f"consumer.ctype={DEEP_JSON}")
    assert result.returncode == 2 and b"nested deeper than 100 levels" in result.stderr
    assert result.stderr.count(b"\n") == 1
    body = tmp_path / "deep.json"
    body.write_text(DEEP_JSON)
    sent = cli("send", "--raw", str(body), env=hostile.env())
    assert b"nested deeper than 100 levels" in sent.stderr  # warned, and sent as given (QA may)
    assert cli("send", "--raw", "-", env=hostile.env(), stdin=DEEP_JSON.encode()).returncode in (0, 1)


@pytest.mark.parametrize("where", ["settings", "draft", "preset", "rules"])
def test_deep_toml_in_a_file_is_named_and_set_aside(lp_home, where):
    if where == "settings":
        write_settings(DEEP_TOML)
        result = cli("build")
        assert result.returncode == 0 and b"nested deeper than 100 levels" in result.stderr
    elif where == "draft":
        paths.draft_file().parent.mkdir(parents=True)
        paths.draft_file().write_text(DEEP_TOML)
        from lp_tui.store import drafts

        saved, problem = drafts.load(paths.draft_file())
        assert saved is None and "nested deeper than 100 levels" in problem
        assert any(p.name.startswith("draft.toml.bad-") for p in paths.data_dir().iterdir())
    elif where == "preset":
        paths.presets_dir().mkdir(parents=True)
        (paths.presets_dir() / "deep.toml").write_text(DEEP_TOML)
        result = cli("presets")
        assert result.returncode == 0 and b"deep.toml" in result.stderr and b"nested deeper" in result.stderr
    else:
        rules = lp_home / "rules.toml"
        rules.parent.mkdir(parents=True, exist_ok=True)
        rules.write_text(DEEP_TOML)
        result = cli("routes", "--rules", str(rules))
        assert result.returncode == 2 and b"nested deeper than 100 levels" in result.stderr


async def test_a_deep_raw_paste_is_a_finding_not_a_crash(tmp_path):
    from tests.ui.fakes import make_session

    app = make_app(make_session(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f6")
        await until(pilot, lambda: app.composer.raw_mode and app.composer.query("#raw-editor"))
        app.composer.query_one("#raw-editor").load_text(DEEP_JSON)
        await until(pilot, lambda: any("nested deeper" in f.message for f in app.composer.findings))
        await pilot.press("f6")  # leaving raw mode with it: refused, kept
        await until(pilot, lambda: any("Still in raw mode" in (n.title or "") for n in app._notifications)
                    if hasattr(app, "_notifications") else True)
        assert app.composer.raw_mode and app.is_running


async def test_a_deep_draft_file_does_not_stop_the_app(lp_home):
    paths.draft_file().parent.mkdir(parents=True)
    paths.draft_file().write_text(DEEP_TOML)
    result = cli("--version")
    assert result.returncode == 0
    from lp_tui.store import drafts

    saved, problem = drafts.load(paths.draft_file())
    session = session_for(lp_home)
    session.startup_notes.append(problem or "")
    app = make_app(session)
    try:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await until(pilot, lambda: any("nested deeper" in n.message for n in app._notifications))
    finally:
        session.close()


# --- secrets on the command line ----------------------------------------------------------------------
def test_tokens_on_the_command_line_are_warned_about_and_files_and_stdin_work(hostile, tmp_path):
    warned = cli("send", "--app-jwt", hostile.app_jwt, env=hostile.env())
    assert b"--app-jwt on the command line is visible" in warned.stderr
    token_file = tmp_path / "jwt"
    token_file.write_text(hostile.app_jwt + "\n")
    from_file = cli("send", "--app-jwt-file", str(token_file), env=hostile.env())
    assert from_file.returncode == 0 and b"visible" not in from_file.stderr
    from_stdin = cli("send", "--client-secret-file", "-", env={**hostile.env(), "LP_CLIENT_SECRET": ""},
                     stdin=b"Hostile-Test-Secret-7Qx\n")
    assert from_stdin.returncode == 0, from_stdin.stderr
    sentinel = [body for _, path, _, body in hostile.requests if path.startswith("/sentinel")]
    assert sentinel and b"client_secret=Hostile-Test-Secret-7Qx" in sentinel[-1]
