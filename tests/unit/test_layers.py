"""Layering: each layer imports only what it may; the core never imports Textual; start-up stays light.

The layers (arrows point to what a layer may import):

    base: lp_tui (the package), paths, text, limits, redact, httpserve, gcpause -> the standard library only
    model                                    -> base
    lp, store, sandbox                       -> model, base (and themselves)
    export, check (pure helpers over lp)     -> lp, model, base
    ui                                       -> lp, model, store, sandbox, export, check, base
    cli                                      -> everything
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "lp_tui"
BASE = {"lp_tui", "lp_tui.paths", "lp_tui.text", "lp_tui.limits", "lp_tui.redact", "lp_tui.httpserve", "lp_tui.gcpause"}
ENTRY = {"lp_tui.__main__": "cli"}  # `python -m lp_tui` is the command line
ALLOWED = {
    "base": set(),
    "model": {"model"},
    "lp": {"lp", "model"},
    "store": {"store", "model"},
    "sandbox": {"sandbox", "model"},
    "export": {"export", "lp", "model"},
    "check": {"check", "lp", "model"},
    "ui": {"ui", "lp", "model", "store", "sandbox", "export", "check"},
    "cli": {"cli", "ui", "lp", "model", "store", "sandbox", "export", "check"},
}


def layer_of(module: str) -> str:
    if module in BASE:
        return "base"
    return ENTRY.get(module) or module.split(".")[1]


def imports_of(path: Path) -> list[tuple[str, int]]:
    """Every lp_tui module a file imports, anywhere in it (lazy imports inside functions too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("lp_tui"):
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:  # `from lp_tui import paths` imports the module lp_tui.paths
                found.append((name if name in BASE or (ROOT.parent / (name.replace(".", "/") + ".py")).exists()
                              else node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names if alias.name.startswith("lp_tui")]
    return found


def test_every_import_follows_the_layers():
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
        layer = layer_of(module)
        for target, line in imports_of(path):
            target_layer = layer_of(target)
            if target_layer != "base" and target_layer != layer and target_layer not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(ROOT.parent)}:{line}: {layer} imports {target} ({target_layer})")
    assert not wrong, "\n".join(wrong)


def test_core_layers_do_not_import_textual():
    code = (
        "import sys\n"
        "import lp_tui.model.build, lp_tui.model.validate, lp_tui.model.presets, lp_tui.model.reverse\n"
        "import lp_tui.model.routing, lp_tui.model.connection, lp_tui.lp.client, lp_tui.lp.matrix\n"
        "import lp_tui.store.settings, lp_tui.store.history, lp_tui.store.drafts, lp_tui.store.conversations\n"
        "import lp_tui.sandbox.server, lp_tui.sandbox.rules_watch, lp_tui.cli, lp_tui.text, lp_tui.limits\n"
        "import lp_tui.export.curl, lp_tui.export.python, lp_tui.export.evidence, lp_tui.export.diff\n"
        "import lp_tui.check.cases, lp_tui.check.runner, lp_tui.check.junit, lp_tui.store.evidence\n"
        "import lp_tui.cli.check, lp_tui.cli.diff, lp_tui.cli.export\n"
        "import lp_tui.sandbox.agent, lp_tui.lp.webhooks, lp_tui.lp.timeline, lp_tui.lp.receiver\n"
        "import lp_tui.httpserve, lp_tui.ui.follow, lp_tui.cli.follow, lp_tui.cli.webhooks_cmd\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.') or m == 'rich']\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_build_command_does_not_import_httpx_or_textual():
    code = (
        "import sys\n"
        "from lp_tui.cli import main\n"
        "main(['build', '--compact'])\n"
        "heavy = [m for m in ('textual', 'httpx', 'jwt', 'rich') if m in sys.modules]\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
