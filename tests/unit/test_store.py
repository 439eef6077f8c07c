"""Settings, history and drafts on disk: 0600, atomic, bounded, corrupt files kept aside."""

from __future__ import annotations

import os
import stat

from lp_tui.store import drafts, settings
from lp_tui.store.history import History
from lp_tui.model.draft import Draft


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def save_profile(path, profile, values):
    settings.save(settings.with_changes(settings.load(path), profile, values))


def test_settings_are_0600_and_round_trip(tmp_path):
    path = tmp_path / "cfg" / "settings.toml"
    save_profile(path, "qa", {"account_id": "1", "client_id": "c", "client_secret": "s3cret", "read_timeout": 12.5,
                              "retry.delays_5xx": [1.0]})
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    loaded = settings.load(path)
    assert loaded.problems == []
    values = loaded.values("qa")
    assert values["client_secret"] == "s3cret" and values["read_timeout"] == 12.5
    assert values["retry.delays_5xx"] == [1.0]


def test_saving_one_value_keeps_every_other_stored_value(tmp_path):
    path = tmp_path / "settings.toml"
    save_profile(path, "qa", {"account_id": "1", "client_secret": "the-file-secret"})
    save_profile(path, "prod", {"account_id": "2"})
    save_profile(path, "qa", {"read_timeout": 5.0})
    loaded = settings.load(path)
    assert loaded.values("qa") == {"account_id": "1", "client_secret": "the-file-secret", "read_timeout": 5.0}
    assert loaded.values("prod") == {"account_id": "2"}


def test_the_first_release_file_is_read_as_the_default_profile(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('[connection]\naccount_id = "9"\nclient_secret = "old"\n[connection.retry]\nretry_429 = 2\n')
    os.chmod(path, 0o600)
    loaded = settings.load(path)
    assert loaded.problems == [] and loaded.chosen() == "default"
    assert loaded.values("default") == {"account_id": "9", "client_secret": "old", "retry.retry_429": 2}


def test_wrong_types_are_named_set_aside_and_defaults_used(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('[profiles.qa]\ncsds_url = ["x"]\napp_jwt = 12345\naccount_id = "7"\nread_timeout = "soon"\n')
    loaded = settings.load(path)
    text = " | ".join(loaded.problems)
    assert "csds_url must be text" in text and "app_jwt must be text" in text and "read_timeout" in text
    assert loaded.bad_file and loaded.values("qa") == {"account_id": "7"}
    save_profile(path, "qa", {"account_id": "8"})
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("settings.toml.bad-")]
    assert len(kept) == 1 and "app_jwt = 12345" in kept[0].read_text()


def test_environment_values_are_not_written(tmp_path):
    from lp_tui.model.connection import resolve

    path = tmp_path / "settings.toml"
    save_profile(path, "qa", {"account_id": "file-acct", "client_secret": "file-secret"})
    conn, _ = resolve("qa", settings.load(path).values("qa"),
                      environ={"LP_CLIENT_SECRET": "from-env", "LP_ACCOUNT_ID": "env-acct"})
    assert conn.account_id == "env-acct" and conn.sources["client_secret"] == "environment"
    save_profile(path, "qa", {"read_timeout": 3.0})  # what the Settings screen sends: only what changed
    text = path.read_text()
    assert "from-env" not in text and "env-acct" not in text and "file-secret" in text


def test_corrupt_settings_are_reported_and_kept_aside_on_save(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[connection\naccount_id = 1\n")
    loaded = settings.load(path)
    assert loaded.bad_file and str(path) in loaded.problems[0] and "line 1" in loaded.problems[0]
    settings.save(settings.with_changes(loaded, "qa", {"account_id": "2"}))
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("settings.toml.bad-")]
    assert len(kept) == 1 and kept[0].read_text().startswith("[connection\n")


def test_settings_readable_by_others_are_warned_about(tmp_path):
    path = tmp_path / "settings.toml"
    save_profile(path, "qa", {"account_id": "1"})
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
            save_profile(target, "qa", {"account_id": "1"})
    finally:
        os.chmod(folder, 0o700)


def test_an_open_conversation_keeps_the_client_properties_it_was_created_with(tmp_path):
    from lp_tui.store.conversations import Conversations

    store = Conversations(tmp_path / "conversations.json")
    key = ("qa", "https://api.liveperson.net", "123", "consumer-1")
    header = '{"type":".ClientProperties","features":["AUTO_MESSAGES"]}'
    store.remember(key, "conv-1", header)
    assert store.get(key) == "conv-1" and store.client_properties(key) == header
    assert store.client_properties(key, "conv-1") == header
    assert store.client_properties(key, "another") is None  # another conversation's are unknown
    store.remember(key, "conv-2")  # created without the header: none is remembered
    assert store.client_properties(key) is None
    store.forget(key, "conv-2")
    assert store.client_properties(key) is None and store.client_properties(None) is None


def test_history_load_newest_reads_from_the_end_newest_first_skipping_bad_lines(tmp_path):
    from lp_tui.store.history import History

    history = History(tmp_path / "history.jsonl")
    for i in range(50):
        history.append({"id": f"e{i}", "action": "create conversation", "request": {"body": "x" * 5000}})
    with open(history.path, "a") as handle:
        handle.write("not json\n")
    history.append({"id": "last"})
    newest = history.load_newest(5)
    assert [e["id"] for e in newest] == ["last", "e49", "e48", "e47", "e46"]
    assert [e["id"] for e in history.load_newest(500)][-1] == "e0"
    assert History(tmp_path / "none.jsonl").load_newest(5) == []
