"""The presenter's side of a sandbox demo: the presenter view (one screen, large and plain, the story from the
values that drive routing to the close), "why this rule" for the draft, and the agent's actions from the
Timeline (reply, quick replies, transfer, close; lp/presenter.py calls the sandbox).

Everything shown comes from outside (rules, webhooks, the draft): plain text only (ui/plain.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from lp_tui.ui.plain import add, plain

REFRESH = 0.2  # seconds between two looks at the webhook inbox (a redraw only when something changed)
MAX_MESSAGES = 4


# --- the story, as data (tested without a screen) ----------------------------------------------------------
@dataclass
class Story:
    values: str = "—"  # the values that drive routing
    predicted: str = "—"  # the predicted skill
    why: str = ""  # and the rule that chose it, with why
    routed: str = "waiting for the send"
    agent: str = "—"
    messages: list[str] = field(default_factory=list)
    transfer: str = "—"
    closed: str = "—"
    conversation: str = ""
    caption: str = ""
    step: str = ""


def story_of(facts: dict[str, Any] | None, rules: Any, entries: list[Any], conversation: str | None) -> Story:
    """The story of one conversation: the draft's facts and the rules' prediction, then the timeline."""
    from lp_tui.model.routing import driving_facts

    story = Story(conversation=conversation or "")
    if rules is not None and facts is not None:
        driving = driving_facts(facts, rules)
        story.values = ", ".join(f"{k} = {v}" for k, v in driving.items()) or "none a rule tests"
        chosen = next((v for v in rules.explain(facts) if v.chosen), None)
        if chosen is not None:
            story.predicted = chosen.skill
            story.why = f"rule {chosen.number} ‘{chosen.rule.name}’: {chosen.why}"
        else:
            story.predicted, story.why = "General", "no rule matched"
    elif rules is None:
        story.predicted = "(no rules: not a sandbox)"
    joined = 0
    for entry in entries:
        if entry.kind == "skill":
            story.routed = entry.text
        elif entry.kind == "joined":
            joined += 1
            story.agent = ("a new agent joined: " if joined > 1 else "joined: ") + entry.text
        elif entry.kind == "left" and "ASSIGNED_AGENT" in entry.text:
            story.agent = "the agent left: " + entry.text
        elif entry.kind in ("message", "rich"):
            story.messages.append(entry.text)
        elif entry.kind == "transfer":
            story.transfer = entry.text
        elif entry.kind == "closed":
            story.closed = entry.text
    if conversation and story.routed == "waiting for the send":
        story.routed = "sent; waiting for LivePerson's notifications"
    story.messages = story.messages[-MAX_MESSAGES:]
    return story


def draft_facts(composer: Any) -> dict[str, Any] | None:
    """The routing facts of what the composer holds now (the form's draft, or the raw body as written)."""
    from lp_tui.limits import loads_json
    from lp_tui.model.build import build_payload, client_properties_header
    from lp_tui.model.routing import facts_of

    draft = getattr(composer, "draft", None)
    if draft is None:
        return None
    if getattr(composer, "raw_mode", False):
        try:
            payload: Any = loads_json(getattr(composer, "raw_text", ""))
        except ValueError:
            return None
    else:
        payload = build_payload(draft, composer.session.conn.account_id if composer.session.use_sandbox else None)
    return facts_of(payload, client_properties_header(draft))


class _LiveInbox:
    """The follower's inbox in force at each look: the receiver restarts (a new inbox) when the sandbox does."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def view(self, conversation_id: str | None = None) -> Any:
        from lp_tui.ui.follow import follower_of

        return follower_of(self.session).inbox.view(conversation_id)


# --- the presenter view ----------------------------------------------------------------------------------
class PresenterScreen(Screen[None]):
    """One screen that tells the story large and plain, updated as the webhooks arrive."""

    DEFAULT_CSS = """
    PresenterScreen { background: $surface; }
    PresenterScreen #presenter-caption { height: auto; padding: 0 1; background: $primary; color: $text;
                                         text-style: bold; }
    PresenterScreen #presenter-scroll { height: 1fr; }
    PresenterScreen #presenter-story { height: auto; padding: 0 1; }
    PresenterScreen #presenter-foot { height: 1; padding: 0 1; background: $boost; }
    """
    BINDINGS = [Binding("escape", "leave", "Back")]

    def __init__(self, session: Any, composer: Any = None, script: Any = None) -> None:
        super().__init__()
        self.session, self.composer, self.script = session, composer, script
        self.conversation: str | None = None  # the demo's conversation (else the composer's)
        self.caption, self.step = "", ""
        self.finished: Any = None  # the demo's result once it ran
        self._drawn: Any = None
        self._sends = 0  # conversations the demo opened
        self.speed = 1.0  # the demo's pauses are multiplied by it
        self.agent_delay: float | None = None  # seconds before the built-in sandbox's agent joins (None: its own)

    def compose(self) -> ComposeResult:
        yield Static(id="presenter-caption")
        with VerticalScroll(id="presenter-scroll"):
            yield Static(id="presenter-story")
        yield Static(id="presenter-foot")

    def on_mount(self) -> None:
        self.redraw()
        self.set_interval(REFRESH, self.redraw)
        if self.script is not None:
            self.run_worker(self._run_demo(), exclusive=True, group="demo", exit_on_error=False)

    def action_leave(self) -> None:
        self.app.pop_screen()

    # --- the demo, in a worker -------------------------------------------------------------------------------
    async def _run_demo(self) -> None:
        from lp_tui.lp.demo import DemoRunner
        from lp_tui.ui.follow import follower_of

        follower = follower_of(self.session)
        try:
            follower.follow_session(self.session)
            sandbox = self.session.sandbox if self.session.use_sandbox else None
            if self.agent_delay is not None and sandbox is not None and follower.running:
                sandbox.send_webhooks_to(follower.url, agent_delay=self.agent_delay)
            runner = DemoRunner(self.script, self.session.client, _LiveInbox(self.session), self._said,
                                self.session.presets_dir, speed=self.speed)
            self.finished = await runner.run()
        except Exception as exc:  # anything the runner did not turn into a failed step: said, never a traceback
            self._said("fail", f"the demo stopped: {exc}")
        finally:
            self.redraw()

    def _said(self, kind: str, text: str) -> None:
        if kind == "caption":
            self.caption = text
        elif kind == "step":
            self.step = text
        elif kind == "fail":
            self.step = f"FAILED: {text}"
        elif kind == "ok" and text.startswith("done"):
            self.step = text
        if kind == "event" and text.startswith("conversation ") and text.endswith(" opened"):
            self.conversation = text[len("conversation "):-len(" opened")]
            self._sends += 1
        self.redraw()

    # --- drawing ---------------------------------------------------------------------------------------------
    def current(self) -> Story:
        from lp_tui.ui.follow import follower_of

        conversation = self.conversation or getattr(self.composer, "conversation_id", None)
        view = follower_of(self.session).inbox.view(conversation)
        if self.conversation is None and conversation is None:
            conversation = view.conversation_id
        entries = view.entries if view.conversation_id == conversation or conversation is None else []
        rules = self.session.routing_rules()
        facts = None
        if self.script is None and self.composer is not None:
            facts = draft_facts(self.composer)
        elif self.conversation:
            facts = self._sent_facts()
        story = story_of(facts, rules, entries, conversation)
        story.caption, story.step = self.caption, self.step
        return story

    def _sent_facts(self) -> dict[str, Any] | None:
        """In a demo: the facts of the step that opened the conversation (as its send built them)."""
        from lp_tui.model import presets
        from lp_tui.model.build import build_payload, client_properties_header
        from lp_tui.model.draft import Draft, FieldError
        from lp_tui.model.routing import facts_of

        sends = [s for s in self.script.steps if s.action == "send"]
        step = sends[min(self._sends, len(sends)) - 1] if sends and self._sends else None
        if step is None:
            return None
        try:
            if isinstance(step.value, str):
                draft = presets.load(step.value, self.session.presets_dir).draft
            else:
                draft = Draft()
                for path, value in step.value.items():
                    draft.set_text(path, value)
        except (presets.PresetError, FieldError):
            return None
        return facts_of(build_payload(draft, self.session.conn.account_id), client_properties_header(draft))

    def redraw(self) -> None:
        if not self.query("#presenter-story"):  # its parts are not there (yet, or any more)
            return
        story = self.current()
        spaced = self.size.height >= 30  # room to spare: a blank line between the rows, easier from afar
        if (story, spaced) == self._drawn:
            return
        self._drawn = (story, spaced)
        caption = Text()
        add(caption, story.caption or (f"Demo: {self.script.name}" if self.script else "Presenter view"),
            one_line=True, limit=200)
        self.query_one("#presenter-caption", Static).update(caption)
        self.query_one("#presenter-story", Static).update(render_story(story, spaced))
        foot = Text()
        add(foot, story.step or "Escape goes back; the Timeline (F10) has the agent's keys", "dim", one_line=True,
            limit=200)
        self.query_one("#presenter-foot", Static).update(foot)


def render_story(story: Story, spaced: bool = False) -> Table:
    """The story as a two-column table: a label, then the value, large (bold) and plain; ``spaced`` puts a blank
    line between the rows (a tall screen)."""
    grid = Table.grid(padding=(1 if spaced else 0, 1), expand=True)
    grid.add_column(no_wrap=True, style="bold", width=11)
    grid.add_column(ratio=1)

    def row(label: str, value: str, style: str = "bold", limit: int = 240) -> None:
        grid.add_row(Text(label, style="bold cyan"), plain(value, style, limit=limit))

    row("Values", story.values)
    row("Predicted", story.predicted, "bold magenta")
    if story.why:
        row("  why", story.why, "", limit=300)
    row("Routed", story.routed, "bold magenta")
    row("Agent", story.agent)
    for i, message in enumerate(story.messages or ["—"]):
        row("Messages" if i == 0 else "", message, "", limit=160)
    row("Transfer", story.transfer, "bold magenta")
    row("Closed", story.closed, "bold red" if story.closed != "—" else "")
    return grid


# --- why this rule, for the draft -------------------------------------------------------------------------
class ExplainScreen(ModalScreen[None]):
    """Each rule in order for the draft as it is now: what matched, or the first condition that did not."""

    DEFAULT_CSS = """
    ExplainScreen { align: center middle; }
    ExplainScreen > VerticalScroll { width: 90%; max-width: 120; height: auto; max-height: 90%;
                                     border: thick $primary; background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "dismiss_it", "Close"), Binding("enter", "dismiss_it", "Close", show=False)]

    def __init__(self, lines: list[str], title: str) -> None:
        super().__init__()
        self.lines, self.title_text = lines, title

    def compose(self) -> ComposeResult:
        text = Text()
        add(text, self.title_text + "\n", "bold", limit=200)
        for line in self.lines:
            style = "bold green" if " ✓ chosen" in line else ("dim" if "would match" in line else "")
            add(text, line + "\n", style, limit=600)
        text.append("Escape closes", style="dim")
        with VerticalScroll():
            yield Static(text, id="explain-text")

    def action_dismiss_it(self) -> None:
        self.dismiss(None)


def explain_draft(app: Any) -> None:
    """The key "explain-routing": why the draft goes where the routing line says."""
    from lp_tui.model.routing import explain_lines

    composer = app.composer
    rules = app.session.routing_rules()
    if rules is None:
        app.notify("Routing is explained on a sandbox only: LivePerson does not publish its routing.",
                   title="Why this rule", severity="warning")
        return
    facts = draft_facts(composer)
    if facts is None:
        app.notify("The raw body is not JSON, so there is nothing to explain.", title="Why this rule",
                   severity="warning")
        return
    app.push_screen(ExplainScreen(explain_lines(rules, facts), f"Why this rule ({rules.source})"))


def explain_lines_for(app: Any) -> list[str]:
    """The explanation lines for the draft (the Routing view shows them too); [] off a sandbox."""
    from lp_tui.model.routing import explain_lines

    rules = app.session.routing_rules()
    facts = draft_facts(app.composer) if rules is not None else None
    return explain_lines(rules, facts) if facts is not None else []


# --- the agent's actions from the Timeline ----------------------------------------------------------------
def agent_action(widget: Any, action: str, conversation: str | None) -> None:
    """Prompt for what the agent does (text, quick replies, skill), then do it in a worker."""
    from lp_tui.ui.screens.dialogs import ConfirmScreen, PromptScreen

    session = widget.app.session
    if not session.use_sandbox and session.external_rules is None:
        widget.notify("The agent's actions are the sandbox's: LivePerson's agents act in their own workspace.",
                      title="Agent", severity="warning")
        return
    if not conversation:
        widget.notify("No conversation yet: send one first.", title="Agent", severity="warning")
        return

    def nonempty(text: str) -> str | None:
        return None if text.strip() else "Type something, or Escape."

    def go(body: dict[str, Any], what: str) -> bool:
        widget.run_worker(_act(widget, conversation, action, body, what), group="agent-action", exit_on_error=False)
        return True

    if action == "agent-message":
        widget.app.push_screen(PromptScreen("The agent says", "Text of the agent's message:", ok="Say",
                                            check=nonempty),
                               lambda text: text is not None and go({"text": text}, "The agent said it."))
    elif action == "quick-replies":
        def replies(text: str) -> str | None:
            message, _, buttons = text.partition("|")
            titles = [b.strip() for b in buttons.split(",") if b.strip()]
            if not message.strip() or not titles:
                return "Write the message, a |, then the buttons separated by commas: Billing or orders? | Billing, Orders"
            if len(titles) > 13 or any(len(t) > 25 for t in titles):
                return "At most 13 buttons, 25 characters each."
            return None

        def say(text: str | None) -> None:
            if text is None:
                return
            message, _, buttons = text.partition("|")
            go({"text": message.strip(), "quickReplies": [b.strip() for b in buttons.split(",") if b.strip()]},
               "The agent asked, with quick replies.")

        widget.app.push_screen(PromptScreen("The agent asks, with quick replies",
                                            "The message, a |, then the buttons separated by commas:",
                                            placeholder="Billing or an order? | Billing, An order", ok="Say",
                                            check=replies), say)
    elif action == "transfer":
        rules = session.routing_rules()
        skills = sorted(rules.named_skills()) if rules else []
        hint = (f" (the rules name {', '.join(skills)}; any other name is a new skill on the sandbox)"
                if skills else "")
        widget.app.push_screen(PromptScreen("Transfer the conversation", f"To the skill (a name or id){hint}:",
                                            ok="Transfer", check=nonempty),
                               lambda skill: skill is not None and go({"skill": skill.strip()},
                                                                      f"Transferred to {skill.strip()}."))
    elif action == "close":
        widget.app.push_screen(ConfirmScreen("Close as the agent", "The agent closes the conversation?", yes="Close"),
                               lambda yes: yes and go({}, "The agent closed the conversation."))


async def _act(widget: Any, conversation: str, action: str, body: dict[str, Any], done: str) -> None:
    from lp_tui.lp.presenter import PresenterError, act

    try:
        await act(widget.app.session.conn, conversation, "agent-message" if action == "quick-replies" else action,
                  body)
    except PresenterError as exc:
        widget.notify(str(exc), title="Agent", severity="error", timeout=8)
        return
    widget.notify(done, title="Agent")

