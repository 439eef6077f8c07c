"""The right side of the compose screen: the Request, Response, Routing and Timeline panes.

It shows a pane with focus in it, draws the send's progress and outcome in the Response pane,
keeps the Routing view current (and runs its matrix), and builds each pane's content the first time
it is shown. The send controller is the state it draws from.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import TabbedContent, TabPane

from lp_tui.ui.screens.sending import TITLES, Outcome, SendController
from lp_tui.ui.widgets.deferred import Lazy, OnDemand
from lp_tui.ui.widgets.preview import RequestPreview
from lp_tui.ui.widgets.response import ResponseView
from lp_tui.ui.widgets.routing import RoutingView
from lp_tui.ui.widgets.timeline import TimelineView

if TYPE_CHECKING:
    from lp_tui.ui.session import Session


class PanesSide(Vertical):
    """``turn_right(focus_tabs)``: a narrow screen turns to this side (from the screen);
    ``request_body``: the body as it is sent, up to date."""

    def __init__(self, session: Session, sender: SendController, preview: RequestPreview,
                 turn_right: Callable[[bool], None], request_body: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.sender = sender
        self.preview = preview
        self.turn_right = turn_right
        self.request_body = request_body
        self.response = ResponseView(timings=session.show_timings, id="response")  # mounts after the first paint
        self._routing_focus_pending = False

    def compose(self) -> ComposeResult:
        with TabbedContent(id="panes"):
            with TabPane("Request", id="pane-request"):
                yield self.preview
            with TabPane("Response", id="pane-response"):
                yield Lazy(self.response)
            with TabPane("Routing", id="pane-routing"):
                yield OnDemand(lambda: RoutingView(id="routing"))
            with TabPane("Timeline", id="pane-timeline"):
                yield Lazy(TimelineView(self.session, self.sender, id="timeline"))

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#panes", TabbedContent)

    def focus_tabs(self) -> None:
        self.tabs.query_one("Tabs").focus()

    def connection_changed(self) -> None:
        for timeline in self.query(TimelineView):  # the webhook receiver follows the profile
            timeline.connection_changed()

    # --- the Timeline (webhooks; ui/widgets/timeline.py) --------------------------------------------
    def show_pane(self, pane: str) -> None:
        """Show a pane of the right side (Request, Response, Routing, Timeline) with focus in it, so
        the arrows, PgUp/PgDn and Home/End scroll it at once."""
        if pane == "pane-routing":
            self.show_routing_view()
            return
        self.tabs.active = pane
        self.turn_right(False)
        self.screen.set_focus(None)
        self.call_after_refresh(self._focus_pane, pane)

    def _focus_pane(self, pane: str) -> None:
        """The pane's scrolling view; one not built yet is focused when it is (its tab strip till then)."""
        target = {"pane-request": "#request-body", "pane-response": "#response", "pane-timeline": "#timeline"}.get(pane)
        found = self.query_one(f"#{pane}").query(target) if target else None
        if found:
            widget = found.first()
            focusable = widget if widget.focusable else next(
                (w for w in widget.query("*") if w.focusable), None)
            if focusable is not None:
                focusable.focus()
                return
        self.focus_tabs()

    # --- the Routing view -----------------------------------------------------------------------
    def show_routing_view(self) -> None:
        """Show the Routing view with focus in it, so `r` runs the matrix."""
        self.tabs.active = "pane-routing"
        self.turn_right(True)
        self._focus_routing()

    def _focus_routing(self) -> None:
        views = self.query(RoutingView)
        if views and views.first().query("#routing-run"):
            self.screen.set_focus(None)
            self.call_after_refresh(views.first().query_one("#routing-run").focus)
        else:
            self._routing_focus_pending = True

    @on(RoutingView.Ready)
    def _routing_ready(self) -> None:
        self.show_routing()
        if self._routing_focus_pending:
            self._routing_focus_pending = False
            self._focus_routing()

    def show_routing(self) -> None:
        views = self.query(RoutingView)
        if not views or not views.first().ready:  # not built yet, or still being built: Ready draws
            return
        session = self.session
        not_sandbox = ""
        if not session.is_sandbox:
            from lp_tui.ui.widgets.response import asked_for

            not_sandbox = ("LivePerson does not tell a connector where a conversation was routed: the Connector API "
                           "has no read (webhooks do). This request asks for " + asked_for(self.request_body()) + ".")
        views.first().show_rules(session.routing_rules(), session.rules_problem, not_sandbox)

    @on(RoutingView.RunRequested)
    def _run_matrix(self) -> None:
        self.run_matrix()

    @work(group="matrix", exclusive=True, exit_on_error=False)
    async def run_matrix(self) -> None:
        """Every preset to a fresh sandbox with the rules in force, a fresh consumer each, row by row."""
        from lp_tui.lp.matrix import route_matrix, sandbox_clients
        from lp_tui.model import presets
        from lp_tui.model.routing import Rules
        from lp_tui.sandbox.server import Sandbox
        from lp_tui.sandbox.state import SandboxState

        view = self.query_one(RoutingView)
        rules = self.session.routing_rules() or Rules.default()
        chosen, _problems = await asyncio.to_thread(presets.all_presets, self.session.presets_dir)
        view.start_matrix(len(chosen))
        sandbox = await asyncio.to_thread(lambda: Sandbox(SandboxState(rules=rules)).start())
        values = sandbox.connection_values()

        def progress(done: int, total: int, row: Any) -> None:
            if row is not None:
                view.add_row(done, row)

        problem = ""
        try:
            await route_matrix(chosen, sandbox_clients(values), rules, progress)
        except Exception as exc:  # shown in the table, never a crash
            problem = f"{type(exc).__name__}: {exc}"
        finally:
            await asyncio.to_thread(sandbox.stop)
            view.end_matrix(problem)

    # --- the Response pane ----------------------------------------------------------------------------
    def show_outcome(self, outcome: Outcome | None, progress: tuple[str, list[Any]] | None) -> None:
        """Draw the send state in the response pane (it mounts just after the first paint; its
        ``Ready`` message draws the state then)."""
        view = self.response
        if not view.ready:  # not built yet, or still being built: Ready draws
            return
        try:
            if progress is not None:
                kind, steps = progress
                view.show_progress(TITLES[kind] + "…", steps)
            elif outcome is not None:
                if outcome.result is not None:
                    view.show_result(outcome.result, outcome.routing, self.session.is_sandbox, self.sender.conversation_id,
                                     routing_problem=outcome.routing_problem)
                else:
                    title = TITLES[outcome.kind]
                    view.show_error(title, outcome.error, outcome.steps, cancelled=outcome.cancelled)
        except Exception as exc:  # an answer lp-tui cannot draw must not take the app down
            view.show_unexpected(f"lp-tui could not draw this answer ({type(exc).__name__}: {exc}); "
                                 "the raw body is in History (F4). This is a bug in lp-tui; please report it.")

    @on(ResponseView.Ready)
    def _response_ready(self) -> None:  # drawn now what came while it was being built
        self.show_outcome(self.sender.outcome, self.sender.progress)

    @on(TabbedContent.TabActivated, "#panes")
    def _pane_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            for placeholder in self.query_one(f"#{event.pane.id}").query(OnDemand):
                placeholder.show()  # a pane's content is built the first time it is shown
