"""The built-in LivePerson sandbox: CSDS, Sentinel, IDP and the Connector API on loopback. No Textual here."""

# Its one account and app. Here, not in state.py, so the app can show them before the sandbox
# (and what it imports) has started.
DEMO_ACCOUNT = "12345678"
DEMO_CLIENT_ID = "sandbox-app-0001"
DEMO_CLIENT_SECRET = "sandbox-secret-0001"
