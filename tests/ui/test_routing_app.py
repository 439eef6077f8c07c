"""Routing in the app: the rules in force, the live prediction, the matrix, an external sandbox, reloads."""

from __future__ import annotations

import pytest

from lp_tui.model.connection import Connection
from lp_tui.model.routing import parse_rules
from lp_tui.sandbox.server import Sandbox
from lp_tui.sandbox.state import SandboxState
from lp_tui.ui.app import make_app
from lp_tui.ui.widgets.response import ResponseView
from lp_tui.ui.widgets.routing import RoutingView

from .fakes import session_for, typed, until

pytestmark = pytest.mark.asyncio
BOSTON = '[[rules]]\nname = "Boston branch"\nwhen = { companyBranch = "Boston" }\nskill = "Boston Sales"\n' \
         '[[rules]]\nname = "rest"\nwhen = {}\nskill = "General"\n'


def prediction(app) -> str:
    return str(app.composer.query_one("#prediction").render())


def summary(app) -> str:
    return str(app.composer.query_one(ResponseView).query_one("#summary").render())


async def test_custom_rules_predict_before_and_show_after_the_send(tmp_path):
    path = tmp_path / "boston.toml"
    path.write_text(BOSTON)
    session = session_for(tmp_path, rules=parse_rules(BOSTON, str(path)), rules_path=str(path))
    app = make_app(session)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await typed(pilot, "#f-consumer-companyBranch", "Boston")
            await until(pilot, lambda: "Boston Sales" in prediction(app) and "Boston branch" in prediction(app))
            await pilot.press("ctrl+j")
            await until(pilot, lambda: app.composer.conversation_id and app.composer.query(ResponseView)
                        and "Boston Sales" in summary(app))
    finally:
        session.close()


async def test_the_routing_view_lists_the_rules_and_runs_the_matrix(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.composer.body_text)
            await pilot.press("f9")
            await until(pilot, lambda: app.composer.query(RoutingView) and app.focused is not None
                        and app.focused.id == "routing-run")
            view = app.composer.query_one(RoutingView)
            assert "VIP Support" in str(view.query_one("#routing-rules").render())
            await pilot.press("r")
            from lp_tui.model.presets import builtin_presets

            await until(pilot, lambda: view.row_count == len(builtin_presets()), "every preset routed")
            cells = [str(c) for row in range(view.row_count) for c in view.query_one("DataTable").get_row_at(row)]
            assert "VIP Support" in cells and "ACME Desk" in cells and "(not routed)" not in cells
    finally:
        session.close()


async def test_rules_edited_during_a_demo_reload_and_a_bad_edit_is_shown(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(BOSTON)
    session = session_for(tmp_path, rules=parse_rules(BOSTON, str(path)), rules_path=str(path))
    app = make_app(session)
    try:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await typed(pilot, "#f-consumer-companyBranch", "Boston")
            await until(pilot, lambda: "Boston Sales" in prediction(app))
            path.write_text(BOSTON.replace("Boston Sales", "Boston Desk") + "\n")
            await until(pilot, lambda: "Boston Desk" in prediction(app), "the reload")
            await until(pilot, lambda: any("reloaded" in n.message for n in app._notifications), "the reload said")
            path.write_text('[[rules]]\nwehn = {}\nskill = "X"\n')
            await until(pilot, lambda: any("'wehn'" in n.message for n in app._notifications), "the bad edit")
            assert "Boston Desk" in prediction(app)  # the rules in force stay
            await pilot.press("f9")
            await until(pilot, lambda: app.composer.query(RoutingView)
                        and "'wehn'" in str(app.composer.query_one("#routing-rules").render()))
    finally:
        session.close()


async def test_an_external_sandbox_is_recognised_from_its_own_answer(tmp_path):
    box = Sandbox(SandboxState(rules=parse_rules(BOSTON, "boston.toml"))).start()
    conn = Connection(ext_consumer_id="ext-consumer")
    conn.apply(box.connection_values(), "test")
    session = session_for(tmp_path, conn, profile="qa")
    app = make_app(session)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: "SANDBOX" in str(app.composer.query_one("#status-bar").render()))
            await typed(pilot, "#f-consumer-companyBranch", "Boston")
            await until(pilot, lambda: "Boston Sales" in prediction(app))
            await pilot.press("ctrl+j")
            await until(pilot, lambda: app.composer.query(ResponseView) and "Boston Sales" in summary(app))
    finally:
        box.stop()


async def test_on_liveperson_routing_is_said_to_be_unreadable(tmp_path):
    conn = Connection(account_id="1", client_id="c", client_secret="s", ext_consumer_id="x",
                      csds_url="http://127.0.0.1:9")
    app = make_app(session_for(tmp_path, conn))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        assert "Routing" not in prediction(app) or not app.composer.query_one("#prediction").display
        await pilot.press("f9")
        await until(pilot, lambda: app.composer.query(RoutingView)
                    and "not tell a connector" in str(app.composer.query_one("#routing-rules").render()))
        assert app.composer.query_one("#routing-run").disabled


async def test_an_external_sandbox_without_its_token_says_why_routing_is_not_shown(tmp_path):
    box = Sandbox(SandboxState(rules=parse_rules(BOSTON, "boston.toml"))).start()
    conn = Connection(ext_consumer_id="ext-no-token")
    conn.apply({**box.connection_values(), "sandbox_token": ""}, "test")
    conn.sandbox_token = ""  # as when LP_SANDBOX_TOKEN is not set
    session = session_for(tmp_path, conn, profile="qa")
    app = make_app(session)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: "SANDBOX" in str(app.composer.query_one("#status-bar").render()))
            await typed(pilot, "#f-consumer-companyBranch", "Boston")
            await pilot.press("ctrl+j")
            await until(pilot, lambda: app.composer.query(ResponseView) and "LP_SANDBOX_TOKEN" in summary(app))
            assert "Boston Sales" not in summary(app)
    finally:
        box.stop()
