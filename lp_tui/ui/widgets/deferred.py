"""Textual's ``Lazy``, but the widget is built only when it mounts, just after the first paint.

``Lazy(TextArea(...))`` mounts late, yet importing and building the widget still happen before the
first screen is drawn. ``Deferred(make)`` calls ``make`` after that first paint, so a widget that
starts hidden (the raw editor) costs the first screen neither its import nor its construction.
"""

from __future__ import annotations

from typing import Callable

from textual.lazy import Lazy
from textual.widget import Widget


class Deferred(Lazy):
    """A placeholder (hidden, as ``Lazy`` is) replaced by ``make()`` after the first refresh."""

    def __init__(self, make: Callable[[], Widget]) -> None:
        Widget.__init__(self)  # not Lazy.__init__: there is no widget yet
        self._make = make

    async def mount_composed_widgets(self, widgets: list[Widget]) -> None:
        parent = self.parent
        if not isinstance(parent, Widget):
            return

        async def mount() -> None:
            await parent.mount(self._make(), after=self)
            await self.remove()

        self.call_after_refresh(mount)
