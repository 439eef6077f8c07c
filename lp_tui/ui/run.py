"""Start the app: settings, the sandbox when needed, the restored draft."""

from __future__ import annotations


def run_app(sandbox: bool = False) -> int:
    from lp_tui import paths
    from lp_tui.store import drafts
    from lp_tui.ui.app import make_app
    from lp_tui.ui.session import load_session

    session = load_session(force_sandbox=sandbox)
    saved, problem = drafts.load(paths.draft_file())
    if problem:
        session.startup_notes.append(problem)
    elif saved is not None:
        session.startup_notes.append("Restored the draft you were editing.")
    app = make_app(session, saved)
    try:
        app.run()
    finally:
        session.close()
    return 0
