"""Saving presets from the app: the current draft (or raw body, exactly), and "Save as preset with
expectations" from an answer (the response pane's last send, or a History entry).

The dialog (``SavePresetScreen``) asks for a name and a description and, from an answer, shows the
``[expect]`` table made from what came back, editable before saving. Files are written in a worker.
"""

from __future__ import annotations

from typing import Any

from lp_tui.lp.results import StepCode
from lp_tui.model import presets
from lp_tui.model.draft import Draft


def save_current(app: Any) -> None:
    """"Save as preset…": the form's draft, or in raw mode the body exactly as written."""
    from lp_tui.ui.screens.presets import SaveAnswer, SavePresetScreen

    composer = app.composer
    raw = composer.raw_text if composer.raw_mode else None
    draft = composer.draft.copy()

    def done(answer: SaveAnswer | None) -> None:
        if answer:
            write(app, presets.Preset(answer.name, answer.description, draft, raw=raw, expect=answer.expect))

    app.push_screen(SavePresetScreen(raw=raw is not None), done)


def request_of(record: dict[str, Any], account: str | None) -> tuple[Draft, str | None, str]:
    """(draft, raw body, note) for the body a record says was sent: the forms' draft when they hold
    it whole, else the exact text (raw). The note says what the user should know."""
    from lp_tui.limits import loads_json
    from lp_tui.model.reverse import draft_from_payload
    from lp_tui.redact import REDACTED

    found = record.get("request")
    request: dict[str, Any] = found if isinstance(found, dict) else {}
    given = request.get("body")
    body: str = given if isinstance(given, str) else ""
    note = "The push token was masked when it was recorded; type it again before sending." \
        if f'"{REDACTED}"' in body else ""
    try:
        payload = loads_json(body)
    except ValueError:
        return Draft(), body, note
    draft, lost = draft_from_payload(payload, account)
    return (draft, None, note) if not lost else (Draft(), body, note)


def save_with_expectations(app: Any, record: dict[str, Any] | None, where: str) -> None:
    """"Save as preset with expectations" for the create call ``record`` describes (a history entry,
    or the last send's record); the [expect] table is made from what came back."""
    from lp_tui.model.expect import expect_from_record
    from lp_tui.ui.screens.presets import SaveAnswer, SavePresetScreen

    if record is None or record.get("action") != StepCode.CREATE:
        from lp_tui.ui.keys import current

        app.notify(f"{where} holds no answer to a 'create conversation' send: send first "
                   f"({current().first('send')}).",
                   title="Nothing to save", severity="warning")
        return
    found = record.get("request")
    request: dict[str, Any] = found if isinstance(found, dict) else {}
    if request.get("truncated"):
        app.notify("That send's body was too large to keep whole; it cannot be saved as a preset.",
                   severity="warning")
        return
    draft, raw, note = request_of(record, app.session.conn.account_id or None)
    expect = expect_from_record(record)

    def done(answer: SaveAnswer | None) -> None:
        if answer:
            write(app, presets.Preset(answer.name, answer.description, draft, raw=raw, expect=answer.expect),
                  note)

    app.push_screen(SavePresetScreen(raw=raw is not None, expect=expect), done)


def write(app: Any, preset: presets.Preset, note: str = "") -> None:
    async def work() -> None:
        import asyncio

        from lp_tui import paths
        from lp_tui.store import presets as preset_files

        try:
            path = await asyncio.to_thread(preset_files.save, preset, app.session.presets_dir)
        except (presets.PresetError, OSError) as exc:
            app.notify(str(exc), title="Preset not saved", severity="error", timeout=10)
            return
        what = "the raw body, exactly" if preset.raw is not None else "the draft"
        extra = " and its [expect] table" if preset.expect else ""
        app.notify(f"Saved {what}{extra} to {paths.shown(path)}." + (f" {note}" if note else ""),
                   title="Preset saved", timeout=8 if note else None)

    app.run_worker(work(), group="save-preset", exit_on_error=False)
