"""Start the app: the profile and its connection, the sandbox when needed, the restored draft."""

from __future__ import annotations

from typing import Any


def run_app(sandbox: bool = False, profile: str | None = None, flags: dict[str, Any] | None = None,
            rules: Any = None, rules_path: str | None = None) -> int:
    from lp_tui.store import drafts
    from lp_tui.ui.app import make_app
    from lp_tui.ui.session import load_session

    # ValueError: an unknown profile. The sandbox starts after the first paint (LpTuiApp).
    session = load_session(force_sandbox=sandbox, profile=profile, flags=flags, defer_sandbox=True)
    from lp_tui import paths

    session.rules = rules
    session.rules_path = rules_path or (str(paths.rules_file()) if rules is not None else None)
    slot = drafts.claim()
    saved, problem = drafts.load(slot.path)
    if slot.note:
        session.startup_notes.append(slot.note)
    if problem:
        session.startup_notes.append(problem)
    elif saved is not None:
        session.startup_notes.append("Restored the draft you were editing.")
    session.draft_path = slot.path
    app = make_app(session, saved)
    try:
        app.run()
    finally:
        session.close()
        slot.release()
    return app.return_code or 0  # 1 after a crash (the draft is saved; the report names it)


def run_demo_app(script: Any, rules: Any = None, speed: float = 1.0, rules_path: str | None = None,
                 agent_delay: float | None = None) -> int:
    """``lp-tui demo SCRIPT``: the app on the built-in sandbox, the script playing in the presenter view. The
    draft being edited is restored and kept, as at any start (the demo sends its own requests)."""
    from lp_tui import paths
    from lp_tui.store import drafts
    from lp_tui.ui.app import make_app
    from lp_tui.ui.session import load_session

    session = load_session(force_sandbox=True, defer_sandbox=True)
    session.rules = rules
    session.rules_path = rules_path or (str(paths.rules_file()) if rules is not None else None)
    slot = drafts.claim()
    saved, problem = drafts.load(slot.path)
    if slot.note:
        session.startup_notes.append(slot.note)
    if problem:
        session.startup_notes.append(problem)
    session.draft_path = slot.path
    app = make_app(session, saved)

    def start() -> None:
        from lp_tui.ui.presenter import PresenterScreen

        screen = PresenterScreen(session, app.composer, script)
        screen.speed, screen.agent_delay = speed, agent_delay
        app.push_screen(screen)

    app.demo_start = start
    try:
        app.run()
    finally:
        session.close()
        slot.release()
    return app.return_code or 0
