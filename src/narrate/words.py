"""Counts in messages: '1 chapter', '2 chapters'."""

from __future__ import annotations


def counted(n: int, noun: str) -> str:
    """``n`` and the noun, plural unless ``n`` is one (nouns with a plain -s plural)."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
