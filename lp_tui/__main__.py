"""`python -m lp_tui` does what the `lp-tui` console script does."""

from lp_tui.cli import main

raise SystemExit(main())
