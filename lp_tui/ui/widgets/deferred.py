"""What starts hidden is mounted later: Textual's ``Lazy`` (just after the first paint), made
safe, and ``OnDemand``, which builds and mounts a hidden tab's content only when that tab is
first shown.

Textual's ``Lazy`` mounts its widget from a callback after the next refresh. Quit before that
callback runs (Ctrl+Q as soon as the screen shows) and its parent is already gone: Textual raises
MountError and prints a traceback over the terminal. Here the callback first checks that the
parent is still attached; when it is not, the app is closing and there is nothing to mount.

``OnDemand(make)`` calls ``make`` only when its tab is shown, so a view nobody opens (a form, the
raw editor, the Routing view) costs neither its import nor its widgets.
"""

from __future__ import annotations

from typing import Callable

from textual import lazy
from textual.widget import Widget


class Lazy(lazy.Lazy):
    """A placeholder (hidden) replaced by its widget after the first refresh, unless the app quit first."""

    async def mount_composed_widgets(self, widgets: list[Widget]) -> None:
        parent = self.parent
        if not isinstance(parent, Widget):
            return

        async def mount() -> None:
            if not (parent.is_attached and self.app.is_running):  # removed, or the app is closing: nothing to show
                return
            await parent.mount(self._replace_widget, after=self)
            await self.remove()

        self.call_after_refresh(mount)


class OnDemand(Widget):
    """A hidden tab's content, built and mounted only when the tab is first shown.

    A form nobody opens costs no widgets: not at start, and not in the styles Textual re-applies
    to every mounted widget afterwards. ``show()`` is idempotent; the screen calls it whenever the
    tab is activated (by key, mouse, palette or a jump to a field).
    """

    DEFAULT_CSS = "OnDemand { display: none; }"

    def __init__(self, make: Callable[[], Widget]) -> None:
        super().__init__()
        self._factory: Callable[[], Widget] | None = make

    def show(self) -> None:
        parent = self.parent
        factory = self._factory
        if factory is None or not isinstance(parent, Widget) or not parent.is_attached:
            return
        self._factory = None
        parent.mount(factory(), after=self)
        self.remove()
