"""The presenter in the app: the agent's keys in the Timeline, why this rule, the presenter view (Pilot, sandbox).
Every wait is on a condition."""

from __future__ import annotations

from textual.app import App

from lp_tui.lp.timeline import Entry
from lp_tui.model.routing import Rules
from lp_tui.ui.app import make_app
from lp_tui.ui.follow import SANDBOX
from lp_tui.ui.presenter import ExplainScreen, PresenterScreen, story_of
from tests.ui.fakes import session_for, typed, until
from tests.ui.test_app import send
from tests.ui.test_timeline_app import open_timeline, opened_and_greeted

SIZE = (120, 40)


async def test_the_presenter_acts_as_the_agent_from_the_timeline(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            view, _ = await opened_and_greeted(pilot, session)
            await until(pilot, lambda: app.focused is view.query_one("#timeline-scroll"), "focus in the Timeline")
            await pilot.press("Q")
            await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
            await pilot.press(*"Which one? | Billing, Orders", "enter")
            await until(pilot, lambda: "ASSIGNED_AGENT: Which one?  [choices: Billing · Orders]" in view.shown_text(),
                        "the agent's quick replies")
            await until(pilot, lambda: app.focused is view.query_one("#timeline-scroll"), "focus in the Timeline")
            await pilot.press("T")
            await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
            await pilot.press(*"Billing Specialists", "enter")
            await until(pilot, lambda: "transfer transferred to Billing Specialists (skillId 2736637412) by agent"
                        in view.shown_text(), "the transfer")
            await until(pilot, lambda: "Hello, this is Billing Specialists" in view.shown_text(), "the new agent")
            await until(pilot, lambda: app.focused is view.query_one("#timeline-scroll"), "focus in the Timeline")
            await pilot.press("S")
            await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
            await pilot.press(*"On it", "enter")
            await until(pilot, lambda: "ASSIGNED_AGENT: On it" in view.shown_text(), "the agent's message")
            await pilot.press("alt+p")
            await until(pilot, lambda: isinstance(app.screen, PresenterScreen), "the presenter view")
            story = app.screen.current()
            assert story.routed.startswith("VIP Support") and story.transfer.startswith("transferred to Billing")
            assert story.agent.startswith("a new agent joined: ASSIGNED_AGENT")
            assert story.values == "ctype = vip" and story.predicted == "VIP Support"
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, PresenterScreen))
            await until(pilot, lambda: app.focused is view.query_one("#timeline-scroll"), "focus in the Timeline")
            await pilot.press("C")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
            await pilot.press("y")
            await until(pilot, lambda: "closed by AGENT (closeReason AGENT)" in view.shown_text(), "the agent's close")
            # the app no longer calls it open: the status line and Ctrl+R follow the webhooks
            await until(pilot, lambda: app.composer.conversation_id is None, "the conversation no longer open")
    finally:
        session.close()


async def test_why_this_rule_for_the_draft(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await typed(pilot, "#f-consumer-ctype", "gold")
            await pilot.press("alt+w")
            await until(pilot, lambda: isinstance(app.screen, ExplainScreen), "the explanation")
            lines = app.screen.lines
            assert "4. ctype vip routes to the VIP skill: ✗ (ctype is 'gold'; this rule wants 'vip', any case)" in lines
            assert lines[-1] == "9. otherwise any skill: ✓ chosen -> General (no conditions)"
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ExplainScreen))
    finally:
        session.close()


def fixed_story():
    facts = {"ctype": "vip", "profile.firstName": "Ada"}

    def entry(kind: str, text: str, ms: int) -> Entry:
        return Entry("conv-1", kind, ms, text)

    entries = [entry("created", "conversation opened", 1), entry("skill", "VIP Support (skillId 4235030150)", 2),
               entry("joined", "ASSIGNED_AGENT, also READER, participant agent-1", 3),
               entry("message", "#0 ASSIGNED_AGENT: Hello, this is VIP Support. How can I help?", 4),
               entry("message", "#1 CONSUMER: Billing, please", 5),
               entry("transfer", "transferred to Billing Specialists (skillId 2736637412) by agent", 6),
               entry("left", "ASSIGNED_AGENT, also READER, participant agent-1", 6),
               entry("joined", "ASSIGNED_AGENT, also READER, participant agent-2", 7),
               entry("message", "#2 ASSIGNED_AGENT: Billing here: I can see your last invoice.", 8),
               entry("closed", "by AGENT (closeReason AGENT)", 9)]
    story = story_of(facts, Rules.default(), entries, "conv-1")
    story.caption = "The agent transfers the conversation to the billing skill"
    story.step = "step 8: the agent transfers to Billing Specialists (expect skill Billing Specialists)"
    return story


def test_the_story_of_a_transfer():
    story = fixed_story()
    assert story.values == "ctype = vip, profile.firstName = Ada"
    assert story.why == "rule 4 ‘ctype vip routes to the VIP skill’: ctype is 'vip'"
    assert story.agent == "a new agent joined: ASSIGNED_AGENT, also READER, participant agent-2"
    assert len(story.messages) == 3 and story.closed == "by AGENT (closeReason AGENT)"


class FixedPresenter(PresenterScreen):
    def current(self):
        return fixed_story()


class PresenterApp(App):
    def on_mount(self) -> None:
        self.push_screen(FixedPresenter(session=None))


def test_the_presenter_view_at_80x24(snap_compare):
    assert snap_compare(PresenterApp(), terminal_size=(80, 24))


def test_the_presenter_view_at_120x40(snap_compare):
    assert snap_compare(PresenterApp(), terminal_size=(120, 40))


async def test_the_routing_view_explains_the_draft_on_w(tmp_path):
    from lp_tui.ui.widgets.routing import RoutingView

    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await typed(pilot, "#f-consumer-ctype", "vip")
            await pilot.press("f9")
            await until(pilot, lambda: app.composer.query(RoutingView) and app.focused is not None
                        and app.focused.id == "routing-run")
            view = app.composer.query_one(RoutingView)
            rules_text = lambda: str(view.query_one("#routing-rules").render())  # noqa: E731
            assert "Why this rule" not in rules_text()
            await pilot.press("w")
            await until(pilot, lambda: "Why this rule, for the draft now" in rules_text(), "the explanation")
            assert "4. ctype vip routes to the VIP skill: ✓ chosen -> VIP Support (ctype is 'vip')" in rules_text()
            assert "5. companyBranch ACME routes to the ACME skill: ✗ (companyBranch is not set" in rules_text()
            await pilot.press("w")
            await until(pilot, lambda: "Why this rule" not in rules_text(), "hidden again")
    finally:
        session.close()


async def test_lp_tui_demo_plays_the_script_in_the_presenter_view(tmp_path):
    """What `lp-tui demo routing-story` does (ui/run.py): the app on the sandbox, the presenter view playing."""
    from lp_tui.model.demo import load_script

    session = session_for(tmp_path)
    app = make_app(session)
    script = load_script("routing-story")

    def start() -> None:
        screen = PresenterScreen(session, app.composer, script)
        screen.speed, screen.agent_delay = 0, 0.1
        app.push_screen(screen)

    app.demo_start = start
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, PresenterScreen), "the presenter view")
            screen = app.screen
            await until(pilot, lambda: screen.finished is not None, "the demo to finish", limit=120)
            assert screen.finished.ok, screen.finished.reason
            assert session.sandbox.state.webhooks.agent_delay == 0.1
            assert screen.finished.reached == ["ACME Desk", "VIP Support", "Billing Specialists"]
            story = screen.current()
            assert story.transfer.startswith("transferred to Billing Specialists") and story.transfer.endswith("by agent")
            assert story.closed == "by AGENT (closeReason AGENT)"
            assert story.agent.startswith("a new agent joined")
            assert story.values == "ctype = vip" and story.predicted == "VIP Support"  # the second conversation's send
            assert story.step.startswith("done: every step ran")
    finally:
        session.close()


async def test_an_agent_action_the_sandbox_refuses_is_said_plainly(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            view = await open_timeline(pilot)
            await until(pilot, lambda: view.follower.mode == SANDBOX)
            session.sandbox.send_webhooks_to(view.follower.url, agent_delay=120)  # no agent joins in this test
            await typed(pilot, "#f-consumer-ctype", "vip")
            await send(pilot)
            await until(pilot, lambda: "skill VIP Support" in view.shown_text(), "the routed skill")
            await pilot.press("f10")
            await until(pilot, lambda: app.focused is view.query_one("#timeline-scroll"), "focus in the Timeline")
            await pilot.press("S")
            await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
            await pilot.press(*"too early", "enter")
            await until(pilot, lambda: any("no agent has joined the conversation yet" in str(n.message)
                                           for n in app._notifications), "the refusal, said")
            assert "too early" not in view.shown_text()
    finally:
        session.close()
