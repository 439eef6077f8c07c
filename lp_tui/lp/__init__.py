"""Talking to LivePerson: CSDS, tokens, the CONVERSATION and SEND calls. No Textual here."""
