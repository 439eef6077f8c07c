"""Copies that arrive: OSC 52 to the terminal plus every clipboard that is there.

Textual's ``copy_to_clipboard`` writes OSC 52, which many terminals ignore and which tmux, with
its default ``set-clipboard external``, does not take from an application. So every copy also
goes, in a worker and each with a time limit, to:

- under tmux (``$TMUX`` set): ``tmux load-buffer -`` (the tmux buffer: ``prefix ]`` pastes it),
  and OSC 52 wrapped for tmux's passthrough (taken when ``allow-passthrough`` is on);
- the system clipboard: ``wl-copy`` (Wayland), ``xclip`` or ``xsel`` (X11), ``pbcopy`` (macOS),
  ``clip.exe`` (WSL), whichever is installed and has a display to talk to.

The notice names where the text went ("tmux buffer and system clipboard"); when nothing could
take it, it says so plainly and offers to write a file instead (the palette's "Write the last
copy to a file": 0600, in the data folder).
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any, Callable, Mapping

TIMEOUT = 3.0  # seconds for one clipboard program
TMUX_BUFFER = "tmux buffer"
SYSTEM = "system clipboard"


@dataclass(frozen=True)
class Backend:
    where: str  # TMUX_BUFFER or SYSTEM
    argv: tuple[str, ...]


def backends(environ: Mapping[str, str] | None = None, which: Callable[[str], str | None] = shutil.which
             ) -> list[Backend]:
    """The clipboards there are, in order: the tmux buffer, then the first system clipboard program
    that can work here."""
    env = os.environ if environ is None else environ
    found: list[Backend] = []
    if env.get("TMUX") and which("tmux"):
        found.append(Backend(TMUX_BUFFER, ("tmux", "load-buffer", "-")))
    system: list[tuple[str, ...]] = []
    if env.get("WAYLAND_DISPLAY"):
        system.append(("wl-copy",))
    if env.get("DISPLAY"):
        system += [("xclip", "-selection", "clipboard", "-in"), ("xsel", "--clipboard", "--input")]
    system += [("pbcopy",), ("clip.exe",)]
    for argv in system:
        if which(argv[0]):
            found.append(Backend(SYSTEM, argv))
    return found


def run_backend(backend: Backend, text: str, timeout: float = TIMEOUT) -> bool:
    """Give ``text`` to one clipboard program; True when it took it (exit 0 within the time limit)."""
    data = text.encode("utf-16-le" if backend.argv[0] == "clip.exe" else "utf-8", "surrogatepass")
    try:
        done = subprocess.run(backend.argv, input=data, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError, ValueError):
        return False
    return done.returncode == 0


def copy_everywhere(text: str, environ: Mapping[str, str] | None = None,
                    which: Callable[[str], str | None] = shutil.which,
                    run: Callable[[Backend, str], bool] = run_backend) -> list[str]:
    """Where ``text`` went: the tmux buffer and/or the system clipboard (one program is enough)."""
    took: list[str] = []
    for backend in backends(environ, which):
        if backend.where in took:
            continue
        if run(backend, text):
            took.append(backend.where)
    return took


def described(places: list[str]) -> str:
    return " and ".join(places)


def tmux_passthrough(text: str) -> str:
    """OSC 52 wrapped for tmux's passthrough (``allow-passthrough on``)."""
    payload = base64.b64encode(text.encode("utf-8", "surrogatepass")).decode("ascii")
    return f"\x1bPtmux;\x1b\x1b]52;c;{payload}\x07\x1b\\"


def copy(app: Any, text: str, what: str, title: str = "", detail: str = "") -> None:
    """Copy ``text`` everywhere it can go and say where; the programs run in a worker."""
    app.copy_to_clipboard(text)  # OSC 52 to the terminal (cannot be confirmed)
    app.last_copy = (text, what)
    if os.environ.get("TMUX"):
        driver = getattr(app, "_driver", None)
        if driver is not None and hasattr(driver, "write"):
            try:
                driver.write(tmux_passthrough(text))
            except Exception:  # noqa: BLE001 (a terminal that cannot be written to: the buffer still works)
                pass

    async def work() -> None:
        import asyncio

        places = await asyncio.to_thread(copy_everywhere, text)
        extra = f" {detail}" if detail else ""
        if places:
            app.notify(f"Copied {what} to the {described(places)}.{extra}", title=title or "Copied")
            return
        app.notify(f"No clipboard took {what}: there is no tmux, wl-copy, xclip, xsel, pbcopy or clip.exe here. "
                   "Only the terminal was asked (OSC 52), which many terminals ignore and which cannot be "
                   "confirmed. To keep it, write it to a file: Ctrl+P, \u201cWrite the last copy to a file\u201d."
                   f"{extra}", title=f"{title or 'Copy'}: not copied for sure", severity="warning", timeout=12)

    app.run_worker(work(), group="clipboard", exit_on_error=False)


def write_last_copy(app: Any) -> None:
    """The palette's "Write the last copy to a file": for when no clipboard took it."""
    last = getattr(app, "last_copy", None)
    if not last:
        app.notify("Nothing has been copied yet.", severity="warning")
        return
    text, what = last
    app.run_worker(write_file(app, text, what), group="clipboard-file", exit_on_error=False)


async def write_file(app: Any, text: str, what: str) -> None:
    import asyncio
    import time

    from lp_tui import paths
    from lp_tui.store.atomic import StoreError, write_text

    path = paths.data_dir() / f"copied-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    try:
        await asyncio.to_thread(write_text, path, text, mode=0o600)
    except (StoreError, OSError) as exc:
        app.notify(f"{exc}", title="Not written", severity="error", timeout=10)
        return
    app.notify(f"Wrote {what} to {paths.shown(path)}.", title="Written to a file", timeout=10)
