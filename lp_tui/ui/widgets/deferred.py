"""What starts hidden is mounted just after the first paint: Textual's ``Lazy``, made safe, and
``Deferred``, which also builds the widget only then.

Textual's ``Lazy`` mounts its widget from a callback after the next refresh. Quit before that
callback runs (Ctrl+Q as soon as the screen shows) and its parent is already gone: Textual raises
MountError and prints a traceback over the terminal. Here the callback first checks that the
parent is still attached; when it is not, the app is closing and there is nothing to mount.

``Lazy(TextArea(...))`` mounts late, yet importing and building the widget still happen before the
first screen is drawn. ``Deferred(make)`` calls ``make`` after that first paint, so a widget that
starts hidden (the raw editor) costs the first screen neither its import nor its construction.
"""

from __future__ import annotations

from typing import Callable

from textual import lazy
from textual.widget import Widget


class Lazy(lazy.Lazy):
    """A placeholder (hidden) replaced by its widget after the first refresh, unless the app quit first."""

    def _make(self) -> Widget:
        return self._replace_widget

    async def mount_composed_widgets(self, widgets: list[Widget]) -> None:
        parent = self.parent
        if not isinstance(parent, Widget):
            return

        async def mount() -> None:
            if not parent.is_attached:  # removed, or the app is closing: nothing to show any more
                return
            await parent.mount(self._make(), after=self)
            await self.remove()

        self.call_after_refresh(mount)


class Deferred(Lazy):
    """Like ``Lazy``, but ``make()`` builds the widget only when it mounts."""

    def __init__(self, make: Callable[[], Widget]) -> None:
        Widget.__init__(self)  # not Lazy.__init__: there is no widget yet
        self._factory = make

    def compose_add_child(self, widget: Widget) -> None:
        raise TypeError("Deferred takes no children: make() builds the whole widget")

    def _make(self) -> Widget:
        return self._factory()
