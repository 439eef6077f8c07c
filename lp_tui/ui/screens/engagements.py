"""The engagement lookup in the app: "Look up…" in the Routing form.

Asks LivePerson's engagement lookup (the Monitoring API, ``lp_tui/lp/engagements.py``) in a worker,
lists the campaigns and engagements it offers in a table, and gives back the ids of the row chosen
(Enter, or "Use ids"), or those and the monitor session's conversationContext values ("Use ids and
context"): the Routing form fills them into the draft. Everything shown from the answer passes the
display boundary (``plain``).
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label, Static

from lp_tui.ui.plain import plain

CAMPAIGN = "conversation.campaignInfo.campaignId"
ENGAGEMENT = "conversation.campaignInfo.engagementId"
CONTEXT = "conversation.conversationContext"
REAL_ACCOUNT_NOTE = ("LivePerson answers with the engagements this visitor is eligible for, not every campaign of "
                     "the account (that list takes its Campaigns API and a user login).")
SANDBOX_NOTE = "The sandbox offers every engagement its rules name ([campaigns], [engagements])."


def sdes_of(draft: Any) -> list[Any]:
    """The draft's SDEs (Customer and Personal Info), sent to the lookup as engagementAttributes."""
    from lp_tui.model.build import profile_body

    return list((profile_body(draft).get("authenticatedData") or {}).get("lp_sdes") or [])


def values_for(found: Any, engagement: Any, with_context: bool) -> dict[str, str]:
    """Draft path -> text for the chosen engagement (and the monitor session's context)."""
    values = {CAMPAIGN: engagement.campaign_id, ENGAGEMENT: engagement.engagement_id}
    if with_context:
        values.update({f"{CONTEXT}.visitorId": found.visitor_id, f"{CONTEXT}.sessionId": found.session_id,
                       f"{CONTEXT}.type": "SharkContext"})
        if engagement.context_id:
            values[f"{CONTEXT}.interactionContextId"] = engagement.context_id
    return {path: value for path, value in values.items() if value}


class EngagementsScreen(ModalScreen[dict[str, str] | None]):
    DEFAULT_CSS = """
    EngagementsScreen { align: center middle; }
    EngagementsScreen > Vertical { width: 96; max-width: 100%; height: auto; max-height: 100%;
                                   border: thick $primary; background: $panel; padding: 1 2; }
    EngagementsScreen .title { text-style: bold; margin-bottom: 1; }
    EngagementsScreen #lookup-status { height: auto; }
    EngagementsScreen #lookup-status.-error { color: $error; }
    EngagementsScreen DataTable { height: auto; max-height: 12; margin: 1 0; }
    EngagementsScreen #lookup-note { color: $text-muted; height: auto; }
    EngagementsScreen .buttons { height: auto; margin-top: 1; align-horizontal: right; }
    EngagementsScreen .buttons Button { width: auto; min-width: 8; margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("c", "use(True)", "Use ids and context", show=False)]

    def __init__(self, session: Any, attributes: list[Any] | None = None) -> None:
        super().__init__()
        self.session = session
        self.attributes = attributes or []
        self.found: Any = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Campaigns and engagements (LivePerson's engagement lookup)", classes="title")
            yield Static("Looking up…", id="lookup-status")
            yield DataTable(id="lookup-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="lookup-note")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="lookup-cancel", compact=True)
                yield Button("Use ids and context (c)", id="lookup-use-context", compact=True, disabled=True)
                yield Button("Use ids (Enter)", id="lookup-use", variant="primary", compact=True, disabled=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("campaignId", "engagementId", "contextId", "status", "skill")
        table.focus()
        self.look_up()

    @work(exclusive=True, group="engagements", exit_on_error=False)
    async def look_up(self) -> None:
        from lp_tui.lp.engagements import look_up
        from lp_tui.lp.errors import LpError

        status = self.query_one("#lookup-status", Static)
        try:
            found = await look_up(self.session.client, attributes=self.attributes)
        except LpError as exc:
            status.update(plain(str(exc)))
            status.add_class("-error")
            return
        except Exception as exc:  # never a crash: say what happened
            status.update(plain(f"engagement lookup: {type(exc).__name__}: {exc}"))
            status.add_class("-error")
            return
        self.show(found)

    def show(self, found: Any) -> None:
        self.found = found
        rules = self.session.routing_rules()
        skills = rules.campaigns if rules is not None else None
        table = self.query_one(DataTable)
        table.clear()
        for e in found.engagements:
            skill = (skills.get(e.campaign_id, f"Campaign {e.campaign_id}") if skills is not None else "—")
            state = e.status + (f" {e.conversation_id}" if e.conversation_id else "")
            table.add_row(*(plain(v or "—", one_line=True, limit=40, as_id=i < 3)
                            for i, v in enumerate((e.campaign_id, e.engagement_id, e.context_id, state, skill))))
        count = len(found.engagements)
        session_text = f"visitorId {found.visitor_id or '—'}, sessionId {found.session_id or '—'}"
        if count:
            self.query_one("#lookup-status", Static).update(
                plain(f"{count} engagement(s) offered; {session_text}. Enter uses the highlighted row's ids."))
        else:
            self.query_one("#lookup-status", Static).update(
                plain(f"No engagement is available for this visitor; {session_text}."))
        self.query_one("#lookup-note", Static).update(plain(SANDBOX_NOTE if skills is not None else REAL_ACCOUNT_NOTE))
        for button in self.query("#lookup-use, #lookup-use-context").results(Button):
            button.disabled = not count

    def chosen(self, with_context: bool) -> dict[str, str] | None:
        table = self.query_one(DataTable)
        if self.found is None or not self.found.engagements or not 0 <= table.cursor_row < len(self.found.engagements):
            return None
        return values_for(self.found, self.found.engagements[table.cursor_row], with_context)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_use(False)

    @on(Button.Pressed, "#lookup-use")
    def _use(self) -> None:
        self.action_use(False)

    @on(Button.Pressed, "#lookup-use-context")
    def _use_context(self) -> None:
        self.action_use(True)

    def action_use(self, with_context: bool) -> None:
        values = self.chosen(with_context)
        if values:
            self.dismiss(values)

    @on(Button.Pressed, "#lookup-cancel")
    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "engagements")
        self.dismiss(None)
