"""Secrets never leak: every flow runs with known secrets, and every byte of output, every file
written and every picture is scanned for them and for their recognisable parts."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from lp_tui import paths
from lp_tui.sandbox.server import Sandbox
from lp_tui.sandbox.state import SandboxState
from lp_tui.ui.app import make_app

from .conftest import SECRET, connection_env, run_cli

ROOT = Path(__file__).resolve().parents[2]
JWT_RE = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}")


def recognisable_parts(secret: str) -> list[str]:
    """The secret, and the parts that would give it away: a JWT's payload and signature, or any
    12 characters in a row of a client secret."""
    if secret.count(".") == 2 and secret.startswith("eyJ"):
        header, payload, signature = secret.split(".")
        return [secret, payload, signature]  # the header is the same for every token of a kind
    return [secret] + [secret[i : i + 12] for i in range(0, max(1, len(secret) - 11))]


def assert_clean(where: str, text: str, secrets: list[str]) -> None:
    for secret in secrets:
        for part in recognisable_parts(secret):
            assert part not in text, f"{where} leaks a part of a secret: {part[:6]}…"
    assert not JWT_RE.search(text), f"{where} holds something shaped like a whole JWT"


def scan_files(root: Path, secrets: list[str], allow: set[str]) -> int:
    count = 0
    for path in root.rglob("*"):
        if path.is_file() and path.name not in allow:
            assert_clean(str(path), path.read_bytes().decode("utf-8", "replace"), secrets)
            count += 1
    return count


@pytest.fixture
def world(tmp_path):
    box = Sandbox(SandboxState(client_secret=SECRET), split=True).start()
    yield box
    box.stop()


def test_cli_flows_leak_nothing(world, lp_home):
    env = connection_env(world, "leak-cli")
    outputs = []
    sent = run_cli("send", "--preset", "auto-messages", env=env)
    conv = __import__("json").loads(sent.stdout)[1]["body"]["conversationId"]
    outputs += [sent, run_cli("message", conv, "hello", env=env),
                run_cli("event", conv, "--chat-state", "COMPOSING", "--read", "0", "--urgent", "--evidence",
                        str(lp_home / "event.json"), env=env),
                run_cli("event", conv, "--text", "hi", "--as", "python", env=env),
                run_cli("close", conv, env=env),
                run_cli("build", "--preset", "sde-ctype-gender", env=env), run_cli("presets", env=env),
                run_cli("send", env={**env, "LP_CLIENT_SECRET": SECRET + "-wrong"}),  # Sentinel refuses it
                run_cli("send", env={**env, "LP_CSDS_URL": "http://127.0.0.1:9"})]
    assert (lp_home / "event.json").is_file(), outputs[2].stderr  # the SENDs' evidence is scanned below too
    minted = list(world.state.minted)
    assert minted, "the flows minted tokens"
    pasted = run_cli("send", "--preset", "minimal", env={**env, "LP_APP_JWT": minted[0], "LP_CONSUMER_JWS": minted[1],
                                                         "LP_EXT_CONSUMER_ID": "leak-cli-2"})
    expired = run_cli("send", env={**env, "LP_APP_JWT": minted[0] + "x"})
    outputs += [pasted, expired]
    secrets = [SECRET, SECRET + "-wrong", *world.state.minted]
    for result in outputs:
        assert_clean(f"`{' '.join(result.args[3:])}` output", result.stdout + result.stderr, secrets)
    scan_files(lp_home, secrets, allow=set())


def test_sandbox_log_leaks_nothing(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "lp_tui", "sandbox", "--verbose"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    banner = []
    try:
        for line in proc.stdout:  # the banner says where it listens; it is up once it says so
            banner.append(line)
            if "Ctrl+C stops it." in line:
                break
        url = next(line.split()[-1] for line in banner if "CSDS URL:" in line)
        env = {"LP_CSDS_URL": url, "LP_ACCOUNT_ID": "12345678",
               "LP_CLIENT_ID": "sandbox-app-0001", "LP_CLIENT_SECRET": "sandbox-secret-0001",
               "LP_EXT_CONSUMER_ID": "log-consumer"}
        result = run_cli("send", env=env)
        assert result.returncode == 0, result.stderr
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    log = err + out  # the banner (read above) prints the demo credentials on purpose; the log after it may not
    assert "POST /sentinel" in log  # the log is there, and shows requests
    assert_clean("sandbox log", log, ["sandbox-secret-0001"])


async def test_app_flows_pictures_and_files_leak_nothing(world, lp_home, tmp_path):
    from lp_tui.store import settings as store
    from lp_tui.ui.session import load_session
    from tests.ui.fakes import settled, typed, until

    values = {**world.connection_values(), "ext_consumer_id": "leak-tui", "retry.retry_429": 0,
              "retry.delays_5xx": []}
    stored = store.with_changes(store.load(paths.settings_file()), "leak", values)
    stored.active = "leak"
    store.save(stored)
    session = load_session(environ={})
    app = make_app(session)
    pictures: dict[str, str] = {}
    async with app.run_test(size=(120, 40), notifications=True) as pilot:

        async def send(key: str = "ctrl+j") -> None:
            before = app.composer.outcome
            await pilot.press(key)
            await until(pilot, lambda: app.composer.outcome is not before and not app.composer.busy)
            await settled(pilot)

        await typed(pilot, "#f-consumer-ctype", "vip")
        pictures["compose"] = app.export_screenshot()
        await send()
        pictures["sent"] = app.export_screenshot()
        app.composer.query_one("#response-tabs").active = "tab-headers"
        await pilot.pause()
        pictures["headers"] = app.export_screenshot()
        app.composer.query_one("#response-tabs").active = "tab-claims"
        await pilot.pause()
        pictures["claims"] = app.export_screenshot()
        await send()
        pictures["open conversation"] = app.export_screenshot()
        await pilot.press("ctrl+t")
        await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
        before = app.composer.outcome
        await pilot.press("enter")
        await until(pilot, lambda: app.composer.outcome is not before and not app.composer.busy)
        await send("ctrl+r")
        await pilot.press("f2")
        await until(pilot, lambda: app.screen.query("#s-app_jwt"))
        pictures["settings"] = app.export_screenshot()
        app.screen.query_one("#s-app_jwt").value = world.state.minted[0]  # a pasted token, masked on screen
        await pilot.pause()
        pictures["settings with a pasted token"] = app.export_screenshot()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(n.title == "Settings saved" for n in app._notifications))
        await pilot.press("f4")
        await until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen" and app.screen.entries)
        await pilot.pause()
        pictures["history"] = app.export_screenshot()
        await pilot.press("escape")
        await pilot.press("f3")
        await until(pilot, lambda: type(app.screen).__name__ == "PresetsScreen" and app.screen.items)
        await pilot.press("s")
        await until(pilot, lambda: type(app.screen).__name__ == "SavePresetScreen")
        await pilot.press(*"leak-check", "enter")
        await until(pilot, lambda: (paths.presets_dir() / "leak-check.toml").exists())
        await until(pilot, lambda: type(app.screen).__name__ == "PresetsScreen" and "leak-check" in
                    [p.name for p in app.screen.items])
        pictures["presets"] = app.export_screenshot()
        await settled(pilot)
        notes = " ".join(f"{n.title} {n.message}" for n in app._notifications)
    session.close()
    secrets = [SECRET, *world.state.minted]
    for name, svg in pictures.items():
        assert_clean(f"screenshot {name}", svg, secrets)
    assert_clean("notifications", notes, secrets)
    scanned = scan_files(lp_home, secrets, allow={"settings.toml"})
    assert scanned >= 3  # history, draft, the preset
    settings_file = paths.settings_file()
    assert SECRET in settings_file.read_text()  # the one place it must be, readable only by its owner
    assert stat.S_IMODE(os.stat(settings_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(paths.history_file()).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(paths.draft_file()).st_mode) == 0o600
    preset = (paths.presets_dir() / "leak-check.toml").read_text()
    assert "secret" not in preset.lower() and "jwt" not in preset.lower()


def test_committed_pictures_hold_no_secrets():
    pictures = list((ROOT / "tests" / "ui" / "__snapshots__").rglob("*.svg")) + list((ROOT / "screenshots").glob("*.svg"))
    assert pictures
    for path in pictures:
        assert_clean(str(path.relative_to(ROOT)), path.read_text(), ["sandbox-secret-0001", SECRET, "not-shown-anywhere"])


PUSH = "Push-Token-Secret-7Qz9"  # the body's own secret (privateData.pushNotificationData.token)


def _record_sends(world, consumer: str, count: int, token: str = PUSH) -> list[dict]:
    """Sends carrying the push token, recorded in history as the app records them."""
    import asyncio

    from lp_tui.lp.client import LpClient
    from lp_tui.model.build import build_payload
    from lp_tui.model.connection import Connection
    from lp_tui.model.draft import Draft
    from lp_tui.store.history import History

    draft = Draft()
    draft.set_value("consumer.ctype", "vip")
    draft.set_value("profile.privateData.pushNotificationData.token", token)
    conn = Connection(ext_consumer_id=consumer, **world.connection_values())

    async def run():
        client = LpClient(conn)
        try:
            return [await client.create_conversation(build_payload(draft, conn.account_id)) for _ in range(count)]
        finally:
            await client.aclose()

    entries = [r.to_record() for r in asyncio.run(run())]
    for entry in entries:
        History(paths.history_file()).append(entry)
    return entries


def test_exports_evidence_and_diffs_leak_nothing(world, tmp_path):
    from lp_tui.export import diff, evidence

    env = connection_env(world, "leak-export")
    push = ["--set", f"profile.privateData.pushNotificationData.token={PUSH}"]
    out = tmp_path / "out"
    out.mkdir()
    outputs = [run_cli("build", "--as", "curl", "--preset", "sde-ctype-gender", *push, env=env),
               run_cli("build", "--as", "python", *push, env=env),
               run_cli("send", *push, "--evidence", str(out / "first.md"), env=env),
               run_cli("send", *push, "--evidence", str(out / "second.json"), env=env)]
    minted = list(world.state.minted)
    outputs.append(run_cli("send", "--preset", "minimal", *push, "--evidence", str(out / "pasted.md"),
                           env={**env, "LP_APP_JWT": minted[0], "LP_CONSUMER_JWS": minted[1]}))
    first, second = _record_sends(world, "leak-diff", 2)
    assert PUSH not in paths.history_file().read_text()  # the body's own secret is masked in history too
    assert '"token": "(redacted)"' in first["request"]["body"]
    odd = 'Push\\Tok"en-7Qz9'  # a token JSON has to escape is masked in its escaped form too
    entry, = _record_sends(world, "leak-odd", 1, token=odd)
    assert "Tok" not in entry["request"]["body"] and "Tok" not in paths.history_file().read_text()
    outputs += [run_cli("diff", first["id"], second["id"]), run_cli("diff")]
    assert outputs[-2].returncode == 1 and '"status": 400' in outputs[-2].stdout  # the diff was made
    assert all(r.returncode in (0, 1) for r in outputs), [r.stderr for r in outputs]
    assert '"$LP_PUSH_TOKEN"' in outputs[0].stdout and "LP_PUSH_TOKEN" in outputs[1].stdout
    texts = {"entry evidence": evidence.markdown(evidence.from_entry(first)),
             "entry evidence json": evidence.to_json(evidence.from_entry(second)),
             "side by side": "\n".join(f"{r.left} {r.right}" for r in diff.side_by_side(first, second))}
    secrets = [SECRET, PUSH, *world.state.minted]
    for result in outputs:
        assert_clean(f"`{' '.join(result.args[3:6])}` output", result.stdout + result.stderr, secrets)
    for name, text in texts.items():
        assert_clean(name, text, secrets)
    assert scan_files(out, secrets, allow=set()) == 3


async def test_app_exports_evidence_and_diff_leak_nothing(world, lp_home):
    from lp_tui.model.connection import Connection
    from tests.ui.fakes import session_for, settled, typed, until

    conn = Connection(ext_consumer_id="leak-app-export", **world.connection_values())
    session = session_for(lp_home, conn)
    app = make_app(session)
    copied: dict[str, str] = {}
    pictures: dict[str, str] = {}
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await typed(pilot, "#f-profile-privateData-pushNotificationData-token", PUSH)
        await settled(pilot)
        from lp_tui.ui.exports import export_worker

        copied["curl"] = await export_worker(app, "curl")
        copied["python"] = await export_worker(app, "python")
        for _ in range(2):
            before = app.composer.outcome
            await pilot.press("ctrl+j")
            await until(pilot, lambda: app.composer.outcome is not before and not app.composer.busy)
            await settled(pilot)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: any(n.title == "Evidence saved" for n in app._notifications))
        await pilot.press("f4")
        await until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen" and len(app.screen.entries) == 2)
        await pilot.press("e", "d", "down", "d")
        await until(pilot, lambda: type(app.screen).__name__ == "DiffScreen")
        pictures["diff"] = app.export_screenshot()
        await pilot.press("c")
        await until(pilot, lambda: app.clipboard.startswith("--- "))
        copied["diff"] = app.clipboard
        await until(pilot, lambda: len(list((paths.data_dir() / "evidence").glob("*.md"))) == 2)
        notes = " ".join(f"{n.title} {n.message}" for n in app._notifications)
    session.close()
    assert '"$LP_PUSH_TOKEN"' in copied["curl"] and "PUSH_TOKEN" in copied["python"] and "status" in copied["diff"]
    evidence_texts = [p.read_text() for p in (paths.data_dir() / "evidence").glob("*.md")]
    assert all('"token": "(redacted)"' in text for text in evidence_texts)  # the body held one, masked
    secrets = [SECRET, PUSH, *world.state.minted]
    for name, text in {**copied, **pictures, "notifications": notes}.items():
        assert_clean(name, text, secrets)
    assert scan_files(paths.data_dir() / "evidence", secrets, allow=set()) == 4


# --- webhooks: what the sandbox posts, what the receivers print and draw ------------------------------------
def test_webhook_bodies_and_the_receivers_output_leak_nothing(world, lp_home):
    import http.client
    import json
    import queue
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from lp_tui.lp.webhooks import sign

    posted: queue.Queue = queue.Queue()

    class Capture(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            posted.put("\n".join(f"{k}: {v}" for k, v in self.headers.items()) + "\n" + body.decode())
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    capture = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    capture.daemon_threads = True
    threading.Thread(target=capture.serve_forever, daemon=True).start()
    env = connection_env(world, "leak-webhooks")
    try:  # 1. every body and header the sandbox posts, over a whole conversation
        world.send_webhooks_to(f"http://127.0.0.1:{capture.server_address[1]}/", agent_delay=0)
        sent = run_cli("send", "--preset", "first-message", env=env)
        conv = json.loads(sent.stdout)[1]["body"]["conversationId"]
        run_cli("message", conv, "hello", env=env)
        run_cli("close", conv, env=env)
        bodies = [posted.get(timeout=60) for _ in range(8)]
    finally:
        capture.shutdown()
        capture.server_close()
    secrets = [SECRET, *world.state.minted]
    for i, body in enumerate(bodies):
        assert_clean(f"webhook notification {i}", body, secrets)

    # 2. `lp-tui webhooks`, with requests that try to make it print the secret
    proc = subprocess.Popen([sys.executable, "-m", "lp_tui", "webhooks", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **env})
    shown = []
    try:
        for line in proc.stdout:
            shown.append(line)
            if "Ctrl+C stops it." in line:
                break
        port = int(next(line for line in shown if " at http://" in line).strip().rstrip("/").rsplit(":", 1)[1])
        note = {"kind": "notification", "type": "ms.MessagingEventNotification", "body": {"changes": [{
            "sequence": 0, "originatorMetadata": {"id": "x", "role": "CONSUMER"}, "serverTimestamp": 1,
            "conversationId": "c-leak", "dialogId": "c-leak",
            "event": {"type": "ContentEvent", "message": f"my secret is {SECRET}"}}]}}
        body = json.dumps(note).encode()
        ids = {"x-liveperson-client-id": env["LP_CLIENT_ID"], "x-liveperson-account-id": env["LP_ACCOUNT_ID"]}
        tries = [(body, {**ids, "x-liveperson-signature": sign(body, SECRET)}, 200),
                 (body, {**ids, "x-liveperson-signature": "sha1=" + SECRET}, 401),
                 (body, {**ids, "x-liveperson-signature": sign(body, SECRET), "x-liveperson-client-id": SECRET}, 401),
                 (SECRET.encode(), ids, 401)]
        for data, headers, status in tries:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", "/", body=data, headers=headers)
            response = conn.getresponse()
            assert response.status == status
            assert_clean("the receiver's answer", response.read().decode(), secrets)
            conn.close()
            shown.append(proc.stdout.readline())
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    output = "".join(shown) + out + err
    assert "my secret is" in output and "(redacted)" in output and output.count("rejected:") == 3
    assert_clean("`lp-tui webhooks` output", output, secrets)

    # 3. `lp-tui send --follow` on this sandbox, which then posts to the command's own receiver
    followed = run_cli("send", "--preset", "sde-ctype-gender", "--follow", "--close-after", "1", "--agent-delay", "0",
                       env={**env, "LP_EXT_CONSUMER_ID": "leak-follow"})
    assert followed.returncode == 0 and "closed" in followed.stdout
    assert_clean("`send --follow` output", followed.stdout + followed.stderr, [SECRET, *world.state.minted])
    scan_files(lp_home, [SECRET, *world.state.minted], allow=set())


async def test_the_timeline_pane_leaks_nothing(world, lp_home):
    from lp_tui.store import settings as store
    from lp_tui.ui.follow import follower_of
    from lp_tui.ui.session import load_session
    from tests.ui.fakes import settled, typed, until

    values = {**world.connection_values(), "ext_consumer_id": "leak-timeline"}
    stored = store.with_changes(store.load(paths.settings_file()), "leak", values)
    stored.active = "leak"
    store.save(stored)
    session = load_session(environ={})
    app = make_app(session)
    try:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await pilot.press("f10")
            await until(pilot, lambda: app.composer.query("TimelineView"))
            url = follower_of(session).start(session, 0)
            world.send_webhooks_to(url, agent_delay=0)
            await typed(pilot, "#f-consumer-ctype", "vip")
            await pilot.press("ctrl+j")
            await until(pilot, lambda: app.composer.conversation_id and not app.composer.busy)
            app.composer.message_conversation(app.composer.conversation_id)
            await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
            await pilot.press(*f"psst {SECRET}", "enter")
            view = app.composer.query_one("TimelineView")
            await pilot.press("f10")
            await until(pilot, lambda: "You wrote: psst" in view.shown_text(), "the echo")
            await settled(pilot)
            picture = app.export_screenshot()
            notes = " ".join(f"{n.title} {n.message}" for n in app._notifications)
    finally:
        session.close()
    assert "You wrote: psst" in view.shown_text()
    secrets = [SECRET, *world.state.minted]
    assert_clean("the Timeline pane", picture + view.shown_text(), secrets)
    assert_clean("notifications", notes, secrets)


def test_tokens_in_every_printed_form_leak_nothing(world, lp_home, tmp_path):
    """The forms a token takes when printed: cut into a control-character refusal, repr'd by an
    HTTP library, escaped by the display boundary, cut by a store, echoed in answer headers."""
    import asyncio

    from lp_tui.export import evidence as render_evidence
    from lp_tui.lp.client import LpClient
    from lp_tui.lp.errors import LpError
    from lp_tui.lp.results import SendResult
    from lp_tui.model.connection import Connection
    from lp_tui.redact import scrub
    from lp_tui.store import evidence
    from lp_tui.store.history import History
    from lp_tui.text import safe

    env = connection_env(world, "leak-forms")
    assert run_cli("send", "--preset", "minimal", env=env).returncode == 0
    app_jwt, jws = list(world.state.minted)[:2]
    stray, stray_jws = app_jwt[:50] + "\x01" + app_jwt[50:], jws[:40] + "\x7f" + jws[40:]
    outputs = [run_cli("send", env={**env, "LP_APP_JWT": stray}),
               run_cli("send", "--app-jwt", stray, env=env),
               run_cli("send", env={**env, "LP_CONSUMER_JWS": stray_jws}),
               run_cli("send", env={**env, "LP_APP_JWT": app_jwt + "é"})]
    assert all(r.returncode == 2 for r in outputs), [r.stderr for r in outputs]

    async def pasted() -> str:
        client = LpClient(Connection(**{**world.connection_values(), "app_jwt": stray, "ext_consumer_id": "x"}))
        try:
            await client.create_conversation([{"type": "userprofile.SetUserProfile"}])
        except LpError as exc:
            return str(exc)
        finally:
            await client.aclose()
        return "sent"

    refused = asyncio.run(pasted())
    printed = {f: scrub(f"{text}", [app_jwt, stray, SECRET]) for f, text in {
        "repr": repr(stray), "bytes repr": repr(stray.encode()), "escaped": safe(stray), "cut": app_jwt[:90],
        "cut escaped": safe(stray)[:80], "secret cut": SECRET[:15]}.items()}
    body = json.dumps([{"type": "userprofile.SetUserProfile",
                        "body": {"privateData": {"pushNotificationData": {"token": PUSH}}}}])
    echoed = SendResult(action="create conversation", url="https://h/api", status=200, elapsed=0.1,
                        request_headers={"Authorization": app_jwt, "X-LP-ON-BEHALF": jws}, request_body=body,
                        response_headers={"X-Echo": PUSH, "X-Token": app_jwt, "X-Cut": app_jwt[:70]},
                        body_text="x" * (200_000 - 10) + PUSH)
    entry = echoed.to_record()
    History(paths.history_file()).append(entry)
    ev = render_evidence.from_entry(entry)
    written = evidence.save_pair(ev, render_evidence.render, tmp_path / "evidence")
    secrets = [SECRET, PUSH, app_jwt, jws]
    for result in outputs:
        assert_clean(f"`{' '.join(result.args[3:5])[:40]}` output", result.stdout + result.stderr, secrets)
    assert_clean("the client's refusal", refused, secrets)
    for form, text in printed.items():
        assert_clean(f"the {form} form", text, secrets)
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    scan_files(lp_home, secrets, allow=set())
    assert scan_files(tmp_path / "evidence", secrets, allow=set()) == 2
