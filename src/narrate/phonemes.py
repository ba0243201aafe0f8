"""Phonemes written in [[ ]], checked before anything is spoken: short enough for a voice to take at once,
and made only of symbols the voice reads (an unknown one would be skipped, and the word said without it)."""

from __future__ import annotations

from narrate.engines import ResolvedVoice
from narrate.errors import ScriptError
from narrate.script import Meta
from narrate.text import MAX_CHARS, PHONEMES


def check_phonemes(part: str, path: str, line: int) -> None:
    """Phonemes in [[ ]] cannot be cut, so one span must be short enough for a voice to take at once."""
    for span in PHONEMES.findall(part):
        if len(span) > MAX_CHARS:
            raise ScriptError(f"phonemes in [[ ]] run to {len(span):,} characters, more than a voice takes at once "
                              f"({MAX_CHARS}); split them into several [[ ]]", path, line)


def known_phonemes(spoken: str, symbols: frozenset[str], voice: ResolvedVoice, meta: Meta, path: str,
                    line: int) -> None:
    """Every symbol in [[ ]] must be one the voice reads: an unknown one would be skipped, and the name said
    without it. Phonemes from a pronunciation are reported at the pronunciation."""
    for span in PHONEMES.findall(spoken):
        unknown = sorted(set(span[2:-2].strip()) - symbols)
        if not unknown:
            continue
        listed = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in unknown)
        named = next((name for name, ipa in meta.phonemes if f"[[{ipa}]]" == span), None)
        what = f"pronunciation of '{named}' uses" if named else f"phonemes {span} use"
        raise ScriptError(f"{what} symbols the {voice.engine} voice {voice.label} does not know: {listed}; use "
                          "the voice's own IPA, as 'narrate check --say' shows it for a word that sounds alike",
                          path, meta.line_of(f"pronunciations.{named}") if named else line)
