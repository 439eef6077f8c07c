"""Edge cases replayed as a suite: presets with an ``[expect]`` table, sent and compared.

``cases.py`` finds them (the built-in folder, a folder, a preset), ``runner.py`` sends each on
the client with a fresh consumer and closes what it opened, reporting progress to a callback
the command line and the app each draw their own way; ``junit.py`` writes what CI tools read.
No Textual here.
"""
