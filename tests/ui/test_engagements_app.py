""""Look up…" in the Routing form: the engagement lookup in a dialog, its ids filled into the draft."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from lp_tui.ui.app import make_app
from lp_tui.ui.screens.engagements import EngagementsScreen

from .fakes import session_for, until

pytestmark = pytest.mark.asyncio


def dialog(app):
    return app.screen if isinstance(app.screen, EngagementsScreen) else None


async def open_lookup(pilot, app) -> EngagementsScreen:
    await until(pilot, lambda: app.composer.body_text)
    await pilot.press("alt+4")  # the Routing form
    await until(pilot, lambda: app.composer.query("#lookup-engagements"), "the Routing form")
    await pilot.press("alt+l")
    await until(pilot, lambda: dialog(app) is not None and dialog(app).query_one(DataTable).row_count == 2,
                "the sandbox's two engagements in the dialog")
    return dialog(app)


async def test_enter_fills_the_campaign_and_engagement_ids_into_the_draft(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lookup(pilot, app)
        text = str(screen.query_one("#lookup-status").render())
        assert "2 engagement(s) offered" in text
        assert "([campaigns], [engagements])" in str(screen.query_one("#lookup-note").render())  # not markup
        await pilot.press("down", "enter")  # the second row: campaign 99999, engagement 888888
        await until(pilot, lambda: dialog(app) is None and
                    app.composer.draft.get("conversation.campaignInfo.engagementId") == "888888")
        assert app.composer.draft.get("conversation.campaignInfo.campaignId") == "99999"
        assert not app.composer.draft.has("conversation.conversationContext.visitorId")  # only when asked
        await until(pilot, lambda: '"engagementId": "888888"' in app.composer.body_text, "the request rebuilt")


async def test_c_also_fills_the_monitor_sessions_context(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lookup(pilot, app)
        visitor = screen.found.visitor_id
        await pilot.press("c")
        await until(pilot, lambda: dialog(app) is None and
                    app.composer.draft.get("conversation.conversationContext.visitorId") == visitor)
        draft = app.composer.draft
        assert draft.get("conversation.campaignInfo.campaignId") == "2739101812"
        assert draft.get("conversation.conversationContext.sessionId") == screen.found.session_id
        assert draft.get("conversation.conversationContext.type") == "SharkContext"
        assert str(draft.get("conversation.conversationContext.interactionContextId")) == "1"


async def test_a_refused_lookup_is_explained_and_escape_leaves_the_draft_alone(tmp_path):
    from lp_tui.model.connection import Connection

    # an account whose CSDS answers nothing useful: the dialog says which step failed, the app goes on
    conn = Connection(account_id="12345678", csds_url="http://127.0.0.1:9", client_id="app", client_secret="s",
                      ext_consumer_id="c")
    session = session_for(tmp_path, conn)
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        await pilot.press("alt+4")
        await until(pilot, lambda: app.composer.query("#lookup-engagements"), "the Routing form")
        await pilot.click("#lookup-engagements")
        await until(pilot, lambda: dialog(app) is not None and
                    "domain lookup" in str(dialog(app).query_one("#lookup-status").render()), "the failure")
        await pilot.press("escape")
        await until(pilot, lambda: dialog(app) is None)
        assert not app.composer.draft.has("conversation.campaignInfo.campaignId")


async def test_the_palette_looks_up_without_the_routing_form_open(tmp_path):
    from .fakes import run_from_palette

    session = session_for(tmp_path)
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        await run_from_palette(pilot, "look up campaigns", "Look up campaigns and engagements…")
        await until(pilot, lambda: dialog(app) is not None and dialog(app).query_one(DataTable).row_count == 2)
        await pilot.press("enter")
        await until(pilot, lambda: app.composer.draft.get("conversation.campaignInfo.campaignId") == "2739101812")
        assert app.composer.edited  # a lookup is an edit: loading a preset next asks first
