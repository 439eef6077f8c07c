"""Files under concurrency and full disks: whole lines or nothing, locks, one draft per window,
no symlinks followed, private folders, bounded memory for a huge history."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from lp_tui.store import drafts
from lp_tui.store.atomic import StoreError
from lp_tui.store.history import MAX_BODY, History

ENTRY = {"action": "create conversation", "request": {"body": "x" * 900, "headers": {}}, "response": {"status": 200}}


def run_python(code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                            timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_a_full_disk_never_leaves_half_a_line(tmp_path):
    """A file size limit stands in for a full disk: the write fails part way; the line is cut back."""
    path = tmp_path / "history.jsonl"
    History(path).append({"n": 1})
    size = path.stat().st_size
    result = run_python("""
        import resource, signal, sys
        from pathlib import Path
        from lp_tui.store.history import History
        from lp_tui.store.atomic import StoreError
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        path = Path(sys.argv[1])
        limit = path.stat().st_size + 300
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        try:
            History(path).append({"n": 2, "pad": "y" * 2000})
        except StoreError as exc:
            print("refused:", exc)
    """, str(path))
    assert "refused:" in result.stdout
    assert path.stat().st_size == size  # whole line or nothing
    History(path).append({"n": 3})
    assert [e["n"] for e in History(path).load()[0]] == [1, 3]


def test_two_processes_appending_at_once_lose_nothing(tmp_path):
    path = tmp_path / "history.jsonl"
    code = """
        import sys
        from pathlib import Path
        from lp_tui.store.history import History
        history = History(Path(sys.argv[1]), limit=10_000)
        for i in range(150):
            history.append({"who": sys.argv[2], "n": i, "pad": "z" * (i * 37 % 3000)})
    """
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), str(path), who]) for who in "ab"]
    for proc in procs:
        assert proc.wait(timeout=300) == 0
    entries, problems = History(path, limit=10_000).load()
    assert problems == []
    assert sorted((e["who"], e["n"]) for e in entries) == sorted((w, i) for w in "ab" for i in range(150))


def test_trimming_while_another_process_appends_loses_nothing_recent(tmp_path):
    path = tmp_path / "history.jsonl"
    code = """
        import sys
        from pathlib import Path
        from lp_tui.store.history import History
        history = History(Path(sys.argv[1]), limit=40)
        for i in range(200):
            history.append({"who": sys.argv[2], "n": i})
    """
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), str(path), who]) for who in "ab"]
    for proc in procs:
        assert proc.wait(timeout=300) == 0
    entries, problems = History(path, limit=1000).load()
    assert problems == [] and 40 <= len(entries) <= 60
    # A trim keeps the newest entries, so what is left of each process is an unbroken run ending at
    # its last append (a process that finished early may legitimately be trimmed away entirely),
    # and the very last append of all is there. A lost append shows as a gap or a missing tail.
    lasts = []
    for who in "ab":
        numbers = [e["n"] for e in entries if e["who"] == who]
        if numbers:
            assert numbers == list(range(numbers[0], 200)), (who, numbers)
        lasts.append(bool(numbers))
    assert any(lasts)
    last = entries[-1]
    assert last["n"] == 199


def test_a_second_window_gets_its_own_draft_and_says_so(tmp_path):
    primary = tmp_path / "draft.toml"
    first = drafts.claim(primary)
    second = drafts.claim(primary)
    try:
        assert first.path == primary and first.note == ""
        assert second.path == tmp_path / "draft-2.toml" and "Another lp-tui window" in second.note
        from lp_tui.model.draft import Draft

        a, b = Draft(), Draft()
        a.set_text("consumer.ctype", "first-window")
        b.set_text("consumer.ctype", "second-window")
        drafts.save(first.path, drafts.SavedDraft(a))
        drafts.save(second.path, drafts.SavedDraft(b))
        assert drafts.load(primary)[0].draft.get("consumer.ctype") == "first-window"
        assert drafts.load(second.path)[0].draft.get("consumer.ctype") == "second-window"
    finally:
        first.release()
        second.release()
    third = drafts.claim(primary)  # the first window closed: its draft is free again
    assert third.path == primary
    third.release()


def test_a_second_running_app_process_does_not_take_the_first_ones_draft(tmp_path):
    code = """
        import sys, time
        from pathlib import Path
        from lp_tui.store import drafts
        slot = drafts.claim(Path(sys.argv[1]))
        print(slot.path.name, flush=True)
        sys.stdin.readline()
    """
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), str(tmp_path / "draft.toml")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "draft.toml"
        slot = drafts.claim(tmp_path / "draft.toml")
        assert slot.path.name == "draft-2.toml"
        slot.release()
    finally:
        holder.communicate("\n", timeout=60)


def test_a_symlinked_history_file_is_not_followed(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    link = tmp_path / "history.jsonl"
    link.symlink_to(target)
    with pytest.raises(StoreError):
        History(link).append({"n": 1})
    assert target.read_text() == "keep me\n"
    entries, problems = History(link).load()
    assert entries == [] and problems


def test_folders_are_private_whatever_the_umask(tmp_path):
    home = tmp_path / "home"
    run_python("""
        import os, sys
        os.umask(0)
        os.environ["LP_TUI_HOME"] = sys.argv[1]
        from lp_tui import paths
        from lp_tui.store.history import History
        from lp_tui.store import drafts
        from lp_tui.model.draft import Draft
        History(paths.history_file()).append({"n": 1})
        drafts.save(paths.draft_file(), drafts.SavedDraft(Draft()))
    """, str(home))
    for folder in (home, home / "data"):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, folder
    assert stat.S_IMODE(os.stat(home / "data" / "history.jsonl").st_mode) == 0o600


def test_a_huge_history_is_read_in_bounded_memory(tmp_path):
    path = tmp_path / "history.jsonl"
    line = json.dumps({**ENTRY, "response": {"status": 200, "body": "r" * 3000}}) + "\n"
    with open(path, "w") as handle:
        for _ in range(15_000):  # about 60 MB
            handle.write(line)
        handle.write("x" * (5 * 1024 * 1024) + "\n")  # and one absurd line
    result = run_python("""
        import sys, tracemalloc
        from pathlib import Path
        from lp_tui.store.history import History
        tracemalloc.start()
        entries, problems = History(Path(sys.argv[1])).load()
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        print(len(entries), len(problems), round(peak))
    """, str(path))
    count, problems, peak = map(int, result.stdout.split())
    assert count == 200 and problems == 1
    assert peak < 40, f"peak {peak} MB reading a 65 MB history"


def test_a_big_body_is_stored_cut_and_marked(tmp_path):
    history = History(tmp_path / "history.jsonl")
    history.append({"request": {"body": "b" * (MAX_BODY * 3), "headers": {}}, "response": {"body": "ok"}})
    entry = history.load()[0][0]
    assert len(entry["request"]["body"]) == MAX_BODY and entry["request"]["truncated"] == MAX_BODY * 3
