"""The built-in LivePerson sandbox: CSDS, Sentinel, IDP and the Connector API on loopback. No Textual here."""
