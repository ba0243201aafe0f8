"""Allow ``python -m narrate``."""

from narrate.cli import main

main()
