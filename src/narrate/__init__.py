"""narrate: turn a story script into a narrated, chaptered podcast episode."""

from __future__ import annotations

__version__ = "0.1.0"
