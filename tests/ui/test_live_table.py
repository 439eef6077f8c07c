"""The tables that fill while on screen (routing matrix, checks) draw each cell at its column's width."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from lp_tui.ui.widgets.table import LiveTable

from .fakes import until

pytestmark = pytest.mark.asyncio


class TableApp(App[None]):
    CSS = "LiveTable { height: 1fr; }"  # as in the app: a new row does not resize the table

    def compose(self) -> ComposeResult:
        yield LiveTable()


def line(table: LiveTable, y: int) -> str:
    return table.render_line(y).text


def drawn_before_the_idle_turn(app: App[None], table: LiveTable) -> None:
    """A whole frame, the table in it, before the table's idle turn measures what just changed.

    In the app something else on screen (the progress bar, the cursor) has the table repainted
    then; here it is asked for.
    """
    table.refresh()
    app.export_screenshot()


def widths(table: LiveTable) -> list[int]:
    return [column.content_width for column in table.ordered_columns]


async def test_a_row_added_between_two_frames_is_drawn_at_the_widened_column():
    app = TableApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(LiveTable)
        table.add_columns("skill", "rule")
        table.add_row("General", "otherwise")
        await until(pilot, lambda: widths(table) == [7, 9], "the first row measured")

        table.add_row("Billing Specialists", "an explicit skill")
        drawn_before_the_idle_turn(app, table)
        await until(pilot, lambda: widths(table) == [19, 17], "the second row measured")

        assert "Billing Specialists" in line(table, 2)
        assert line(table, 0).split() == ["skill", "rule"]
        assert line(table, 0).index("rule") == line(table, 2).index("an explicit skill")


async def test_a_cell_updated_between_two_frames_is_drawn_at_the_widened_column():
    app = TableApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(LiveTable)
        skill, _rule = table.add_columns("skill", "rule")
        row = table.add_row("General", "otherwise")
        await until(pilot, lambda: widths(table) == [7, 9], "the row measured")

        table.update_cell(row, skill, "Billing Specialists", update_width=True)
        drawn_before_the_idle_turn(app, table)
        await until(pilot, lambda: widths(table)[0] == 19, "the cell measured")

        assert "Billing Specialists" in line(table, 1)
        assert line(table, 0).index("rule") == line(table, 1).index("otherwise")
