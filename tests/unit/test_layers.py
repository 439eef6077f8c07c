"""Layering: the model, client, stores and sandbox never import Textual; start-up stays light."""

from __future__ import annotations

import subprocess
import sys


def test_core_layers_do_not_import_textual():
    code = (
        "import sys\n"
        "import lp_tui.model.build, lp_tui.model.validate, lp_tui.model.presets, lp_tui.model.reverse\n"
        "import lp_tui.lp.client, lp_tui.store.settings, lp_tui.store.history, lp_tui.store.drafts\n"
        "import lp_tui.sandbox.server, lp_tui.sandbox.agent, lp_tui.cli\n"
        "import lp_tui.lp.webhooks, lp_tui.lp.timeline, lp_tui.lp.receiver, lp_tui.httpserve, lp_tui.ui.follow\n"
        "import lp_tui.cli.follow, lp_tui.cli.webhooks_cmd\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_build_command_does_not_import_httpx_or_textual():
    code = (
        "import sys\n"
        "from lp_tui.cli import main\n"
        "main(['build', '--compact'])\n"
        "heavy = [m for m in ('textual', 'httpx', 'jwt') if m in sys.modules]\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
