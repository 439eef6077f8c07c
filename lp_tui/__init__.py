"""lp-tui: compose and send LivePerson Connector API "create conversation" requests."""

__version__ = "0.1.0"
