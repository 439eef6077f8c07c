"""Settings, history and drafts on disk: 0600, atomic, bounded, corrupt files kept aside."""

from __future__ import annotations

import os
import stat

from lp_tui.lp.config import Connection
from lp_tui.store import drafts, settings
from lp_tui.store.history import History
from lp_tui.model.draft import Draft


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_settings_are_0600_and_round_trip(tmp_path):
    path = tmp_path / "cfg" / "settings.toml"
    conn = Connection(account_id="1", client_id="c", client_secret="s3cret", read_timeout=12.5)
    conn.retry.delays_5xx = [1.0]
    settings.save(conn, path)
    assert mode(path) == 0o600
    loaded = settings.load(path)
    assert loaded.problems == []
    assert loaded.connection.client_secret == "s3cret" and loaded.connection.read_timeout == 12.5
    assert loaded.connection.retry.delays_5xx == [1.0]


def test_environment_values_are_not_written(tmp_path):
    path = tmp_path / "settings.toml"
    conn = Connection(account_id="file-acct")
    conn.apply_env({"LP_CLIENT_SECRET": "from-env", "LP_ACCOUNT_ID": "env-acct"})
    assert conn.account_id == "env-acct" and conn.sources["client_secret"] == "environment"
    settings.save(conn, path)
    text = path.read_text()
    assert "from-env" not in text and "env-acct" not in text


def test_corrupt_settings_are_reported_and_kept_aside_on_save(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[connection\naccount_id = 1\n")
    loaded = settings.load(path)
    assert loaded.bad_file and str(path) in loaded.problems[0] and "line 1" in loaded.problems[0]
    settings.save(Connection(account_id="2"), path, bad_file=True)
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("settings.toml.bad-")]
    assert len(kept) == 1 and kept[0].read_text().startswith("[connection\n")


def test_settings_readable_by_others_are_warned_about(tmp_path):
    path = tmp_path / "settings.toml"
    settings.save(Connection(account_id="1"), path)
    os.chmod(path, 0o644)
    assert any("chmod 600" in p for p in settings.load(path).problems)


def test_history_is_bounded_masked_and_0600(tmp_path):
    history = History(tmp_path / "history.jsonl", limit=5)
    for i in range(8):
        history.append({"n": i, "request": {"headers": {"Authorization": "eyJhbGciOiJIUzI1NiJ9.payloadpayloadpayload.sig"}}})
    entries, problems = history.load()
    assert [e["n"] for e in entries] == [3, 4, 5, 6, 7] and problems == []
    assert "payloadpayload" not in (tmp_path / "history.jsonl").read_text()
    assert mode(tmp_path / "history.jsonl") == 0o600


def test_history_with_a_bad_line_keeps_a_copy_before_rewriting(tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_text('{"n": 1}\nnot json\n')
    history = History(path, limit=2)
    entries, problems = history.load()
    assert len(entries) == 1 and "line 2" in problems[0]
    history.append({"n": 2})
    history.append({"n": 3})  # the file is now past its limit: trimmed, the bad line kept aside
    assert [e["n"] for e in history.load()[0]] == [2, 3]
    assert any(p.name.startswith("history.jsonl.bad-") for p in tmp_path.iterdir())


def test_draft_restores_exactly_and_bad_draft_is_kept(tmp_path):
    path = tmp_path / "draft.toml"
    draft = Draft()
    draft.set_text("consumer.ctype", "vip")
    draft.set_value("conversation.ttrDefName", None)
    drafts.save(path, drafts.SavedDraft(draft, raw_body='[{"x": 1'))
    saved, problem = drafts.load(path)
    assert problem is None and saved.draft == draft and saved.raw_body == '[{"x": 1'
    assert mode(path) == 0o600
    path.write_text("garbage = [")
    saved, problem = drafts.load(path)
    assert saved is None and "could not be restored" in problem
    assert any(p.name.startswith("draft.toml.bad-") for p in tmp_path.iterdir())


def test_read_only_folder_fails_with_a_message(tmp_path):
    import pytest

    from lp_tui.store.atomic import StoreError

    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o500)
    try:
        target = folder / "settings.toml"
        if os.access(folder, os.W_OK):  # root writes anywhere: make the folder unusable another way
            blocker = tmp_path / "not-a-folder"
            blocker.write_text("")
            target = blocker / "settings.toml"
        with pytest.raises(StoreError, match="cannot write"):
            settings.save(Connection(), target)
    finally:
        os.chmod(folder, 0o700)
