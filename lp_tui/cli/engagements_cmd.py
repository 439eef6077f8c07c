"""``lp-tui engagements``: the campaigns and engagements LivePerson's engagement lookup (the
Monitoring API) offers, with the ids a create's campaignInfo and conversationContext take."""

from __future__ import annotations

import argparse
import json
from typing import Any

from lp_tui.cli.common import add_connection_options, add_draft_options, make_draft, out, run_with_connection
from lp_tui.lp.errors import EXIT_OK

REAL_ACCOUNT_NOTE = ("LivePerson's engagement lookup answers with the engagements this visitor is eligible for "
                     "(by campaign targeting, entry points and engagement attributes), not every campaign of the "
                     "account; listing them all takes LivePerson's Campaigns API (account configuration, a user "
                     "login), which lp-tui does not use.")


def register(sub: Any) -> None:
    e = sub.add_parser("engagements", help="look up campaigns and engagements (LivePerson's Monitoring API)",
                       description="Ask LivePerson's engagement lookup (the Monitoring API, CSDS service smt) which "
                                   "campaigns and engagements it offers, with the ids for campaignInfo and "
                                   "conversationContext. On the sandbox it lists the campaigns its rules name.")
    e.add_argument("--app-id", metavar="ID", help="the app installation id (default: the profile's client id)")
    e.add_argument("--entry-point", dest="entry_points", action="append", default=[], metavar="URL",
                   help="an entry point the engagement is for, e.g. https://shop.example/cart or sec://Sport "
                        "(repeatable)")
    e.add_argument("--visitor-id", metavar="VID", help="continue a monitor session: its visitorId")
    e.add_argument("--session-id", metavar="SID", help="continue a monitor session: its sessionId")
    e.add_argument("--consumer", metavar="ID", help="name the consumer in identities (sub), so an open "
                   "conversation of theirs comes back")
    e.add_argument("--json", action="store_true", help="print the answer's fields as JSON (for scripts)")
    add_draft_options(e)  # --preset/--set: their SDEs are sent as engagementAttributes
    add_connection_options(e)
    e.set_defaults(func=cmd_engagements)


def cmd_engagements(args: argparse.Namespace) -> int:
    from lp_tui.model.build import profile_body

    draft = make_draft(args)
    attributes = (profile_body(draft).get("authenticatedData") or {}).get("lp_sdes") or []

    async def job(client: Any, conn: Any, sandbox: Any) -> int:
        from lp_tui.lp.engagements import look_up
        from lp_tui.model.routing import rules_from_info

        found = await look_up(client, app_id=args.app_id, entry_points=args.entry_points, attributes=attributes,
                              consumer=args.consumer, visitor_id=args.visitor_id, session_id=args.session_id)
        info = await client.sandbox_info()
        rules = rules_from_info(info) if info else None
        skills = rules.campaigns if rules else {}
        if args.json:
            doc = {"status": found.status, "visitorId": found.visitor_id, "sessionId": found.session_id,
                   "pageId": found.page_id, "sandbox": info is not None,
                   "engagements": [{"campaignId": e.campaign_id, "engagementId": e.engagement_id,
                                    "contextId": e.context_id, "status": e.status,
                                    "conversationId": e.conversation_id or None,
                                    **({"skill": skills.get(e.campaign_id, f"Campaign {e.campaign_id}")}
                                       if rules else {})} for e in found.engagements]}
            out(json.dumps(doc, ensure_ascii=False, indent=2), json_text=True)
            return EXIT_OK
        where = "the sandbox" if info else f"account {conn.account_id}"
        out(f"Engagement lookup on {where}: {len(found.engagements)} engagement(s); "
            f"visitorId {found.visitor_id or '—'}, sessionId {found.session_id or '—'}")
        if found.engagements:
            print_table(found.engagements, skills if rules else None)
        else:
            out("No engagement is available for this visitor (LivePerson leaves engagementDetails out).")
        if found.engagements:
            out("In a create: campaignInfo {campaignId, engagementId}; conversationContext {visitorId, sessionId, "
                "interactionContextId = contextId, type = SharkContext}. In the app: Routing form, Look up….")
        if info:
            out("The sandbox offers every engagement its rules name ([campaigns] and [engagements]) to every visitor.")
        else:
            out(REAL_ACCOUNT_NOTE)
        return EXIT_OK

    return run_with_connection(args, job, needs_consumer=False)


def print_table(engagements: list[Any], skills: dict[str, str] | None) -> None:
    headers = ["campaignId", "engagementId", "contextId", "status"] + (["skill (sandbox rules)"] if skills is not None
                                                                       else [])
    rows = [[e.campaign_id, e.engagement_id, e.context_id or "—",
             e.status + (f" {e.conversation_id}" if e.conversation_id else "")] +
            ([skills.get(e.campaign_id, f"Campaign {e.campaign_id}")] if skills is not None else [])
            for e in engagements]
    widths = [min(max(len(h), *(len(r[i]) for r in rows)), 48) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        return "  ".join((v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(values, widths)).rstrip()

    out(line(headers))
    out(line(["─" * w for w in widths]))
    for row in rows:
        out(line(row))
