"""`python -m borderwatch` is the command line."""

from borderwatch.cli import main

raise SystemExit(main())
