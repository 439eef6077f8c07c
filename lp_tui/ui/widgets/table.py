"""A DataTable whose drawing keeps up with its column widths while rows and cells change.

Textual's DataTable (8.2) widens its auto-width columns on its own idle turn, after `add_row` or
`update_cell`, but keys the cells and lines it has drawn on a counter that only those calls move.
A frame drawn between the call and the idle turn is then reused at the new widths: the routing
matrix showed a skill cut to "Billing Specialis" under a column wide enough for "Billing
Specialists", until something else redrew it. Moving the counter once the widths are set makes
the next frame draw afresh.

Imported only where a table is built (the Routing view, the Checks screen): not on the first screen.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class LiveTable(DataTable[Any]):
    """DataTable for rows that arrive while it is on screen."""

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        # The widths may have changed (new rows, or cells updated: Textual measures those first and
        # then comes here in the same idle turn): no drawn cell or line is current any more.
        self._update_count += 1
