"""hibari: natural English voices distilled from Kokoro-82M, at about a hundredth of its cost.

hibari-tts (Apache-2.0) ships one complete voice in its wheel, ``heart``, distilled from Kokoro's ``af_heart``:
an 8 MB int8 ONNX model that predicts a spectrum per 12.5 ms frame, made a waveform by hibari's own numpy
signal processing. Its other voices (emma, fable, fenrir, kore) are downloaded by hibari at first use; narrate
never downloads anything, so it offers one of those only when its file is already on this machine.

The text is phonemised as for Kokoro's English (hibari's port of misaki, the same alphabet), so pronunciations,
``[[phonemes]]`` and the lexicon work alike. The only random draw is the noise in the spectrum: narrate draws it
from a seed made of the voice, the speed and the phonemes being said, so a sentence sounds the same in any
process, with any ``--jobs``, warm or cold cache, on a cluster. The graph runs on one onnxruntime thread, so its
sums are the same everywhere too.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np

from narrate.audio import Clip
from narrate.engines import ResolvedVoice, VoiceInfo, quiet
from narrate.engines.kokoro import english_g2p, one_thread_session, split_phonemes, vocab, with_raw_phonemes
from narrate.engines.word_times import WordTime, chunk_words, phoneme_words, with_durations
from narrate.errors import EngineError, did_you_mean
from narrate.script.model import VoiceSettings

quiet("hibari")

RATE = 24000
MAX_PHONEMES = 400  # phonemes said at once: hibari's own limit, cut at a clause where it can be
COST = 0.007  # CPU seconds per second of speech, one thread (BENCHMARKS.md, Voices)
_GAP_S = 0.12  # between the pieces of a sentence longer than the model takes at once
REINSTALL = "reinstall hibari-tts ('pip install --force-reinstall hibari-tts')"


@functools.lru_cache(maxsize=1)
def registry() -> dict[str, dict[str, Any]]:
    """hibari's voices: name -> its Kokoro teacher, language, gender, file, size and sha256."""
    try:
        text = (resources.files("hibari") / "assets" / "voices.json").read_text(encoding="utf-8")
        found = json.loads(text)
    except (ModuleNotFoundError, OSError, ValueError) as exc:
        raise EngineError(f"hibari-tts is not installed whole ({exc}): {REINSTALL}") from None
    if not isinstance(found, dict):
        raise EngineError(f"hibari-tts's list of voices is damaged: {REINSTALL}")
    return found


def cache_folder() -> Path:
    """Where hibari keeps the voices it downloaded (HIBARI_HOME, else the user's cache folder)."""
    from hibari.voices import cache_dir

    return Path(cache_dir())


def voice_file(name: str) -> Path:
    """Where a voice's model is when it is on this machine: in the wheel (heart), or in hibari's cache."""
    entry = registry()[name]
    if entry.get("bundled"):
        return Path(str(resources.files("hibari") / "assets" / str(entry["file"])))
    return cache_folder() / str(entry["file"])


def on_this_machine() -> list[str]:
    """hibari's voices whose files are here: never one that would have to be downloaded."""
    return [name for name in registry() if voice_file(name).is_file()]


@functools.lru_cache(maxsize=8)
def _checked(path: str, size: int, mtime_ns: int, want: str) -> str:
    """The file's sha256, when it is the one hibari's registry names; else an empty string."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return digest if digest == want else ""


def checked_model(name: str) -> Path:
    """A voice's model file, whole: EngineError naming the file and what to do if it is missing or damaged."""
    entry, path = registry()[name], voice_file(name)
    fix = REINSTALL if entry.get("bundled") else f"put hibari's {entry['file']} there again"
    try:
        st = path.stat()
        whole = st.st_size == entry.get("bytes") and _checked(str(path), st.st_size, st.st_mtime_ns,
                                                                 str(entry.get("sha256")))
    except OSError:
        raise EngineError(f"hibari voice '{name}' is missing its model {path}: {fix}") from None
    if not whole:
        raise EngineError(f"hibari voice '{name}' has a damaged model {path} (it is not the file hibari-tts "
                          f"{_version()} lists): {fix}")
    return path


def _version() -> str:
    try:
        return metadata.version("hibari-tts")
    except metadata.PackageNotFoundError:
        return "?"


class SeededNormal:
    """What hibari's signal processing asks a numpy Generator for, drawn from a seed of the sentence's own:
    PCG64's raw stream made normal by narrate (engines.seeded.normal), the same in every numpy version."""

    def __init__(self, words: np.ndarray) -> None:
        self.words = words

    def standard_normal(self, shape: tuple[int, ...], dtype: Any = np.float32) -> np.ndarray:
        from narrate.engines.seeded import normal

        return normal(self.words, int(np.prod(shape))).reshape(shape).astype(dtype, copy=False)


def seed_of(model_id: str, speed: float, phonemes: str) -> np.ndarray:
    """A sentence's seed: the voice, its speed and what it says, and nothing else."""
    digest = hashlib.sha256(f"{model_id}\n{speed!r}\n{phonemes}".encode()).digest()
    return np.frombuffer(digest, dtype="<u4").copy()


class HibariEngine:
    """Offline synthesis with hibari's distilled Kokoro voices."""

    name = "hibari"
    parallel = True  # narrate.synth may run it in worker processes: it speaks the same in each

    def __init__(self) -> None:
        self._sessions: dict[tuple[str, bool], Any] = {}

    def resolve(self, voice: VoiceSettings, base_dir: Path) -> ResolvedVoice:
        known = registry()
        if voice.model not in known:
            hint = did_you_mean(voice.model, sorted(known))
            raise EngineError(f"unknown hibari voice '{voice.model}'{hint}: choose one of "
                              f"{', '.join(on_this_machine())}, or a voice of another engine ('narrate voices' lists "
                              "them)")
        if not voice_file(voice.model).is_file() and not known[voice.model].get("bundled"):
            raise EngineError(
                f"hibari voice '{voice.model}' is not on this machine: hibari-tts downloads it at first use, and "
                f"narrate never downloads; put {known[voice.model]['file']} in {cache_folder()} (or HIBARI_HOME), "
                f"or choose one of {', '.join(on_this_machine())}")
        path = checked_model(voice.model)
        language = str(known[voice.model].get("language", "en-US"))
        return ResolvedVoice(
            engine=self.name,
            model_id=str(known[voice.model]["sha256"]),
            settings=(("speed", round(voice.speed, 3)), ("language", language)),
            model=str(path),
            label=f"{voice.model} (hibari, {language})",
        )

    def voices(self) -> list[VoiceInfo]:
        """hibari's voices on this machine (heart, and any hibari downloaded before)."""
        out = []
        for name in on_this_machine():
            entry = registry()[name]
            teacher = str(entry.get("kokoro", ""))
            out.append(VoiceInfo(self.name, name, str(entry.get("language", "en-US")), str(entry.get("gender", "")),
                                 COST, f"Kokoro's {teacher}, distilled" if teacher else "", timbre=teacher))
        return out

    def _session(self, voice: ResolvedVoice, durations: bool = False) -> Any:
        """The voice's model, loaded once; ``durations``: edited to say how long each phoneme lasts too."""
        path = voice.model or ""
        if (path, durations) not in self._sessions:
            model = with_durations(Path(path).read_bytes()) if durations else path
            self._sessions[path, durations] = one_thread_session(
                model, lambda exc: f"cannot load the hibari model {path} ({exc}): {REINSTALL}")
        return self._sessions[path, durations]

    def phonemes(self, text: str, voice: ResolvedVoice) -> str:
        """What the voice will say, in Kokoro's alphabet (hibari's port of misaki)."""
        g2p = english_g2p(voice.setting("language") == "en-GB")
        return with_raw_phonemes(text, g2p)

    def phoneme_symbols(self, voice: ResolvedVoice) -> frozenset[str]:
        """The symbols hibari reads in [[ ]]: Kokoro's."""
        return frozenset(vocab())

    def synthesize(self, text: str, voice: ResolvedVoice) -> Clip:
        return self._speak(text, voice, None)

    def tells_word_times(self, voice: ResolvedVoice) -> bool:
        """Whether ``timed`` says when each word is said: always."""
        return True

    def timed(self, text: str, voice: ResolvedVoice) -> tuple[Clip, list[WordTime]]:
        """The clip ``synthesize`` makes, and when each of its words is said, from the model's own durations
        (narrate.engines.word_times): words as the voice was given them, punctuation left out."""
        # the phonemes made as ``phonemes`` makes them (a test holds the clip to synthesize's), with their words
        phonemes, words = phoneme_words(text, english_g2p(voice.setting("language") == "en-GB"))
        found: list[WordTime] = []
        clip = self._speak(text, voice, (phonemes, words, found))
        return clip, found

    def _speak(self, text: str, voice: ResolvedVoice, timing: tuple[str, list, list] | None) -> Clip:
        """The clip; with ``timing`` (the phonemes, their words' spans, a list to fill), each word's time too."""
        from hibari import dsp

        speed = float(voice.setting("speed"))  # type: ignore[arg-type]
        ids, pieces, length, at = vocab(), [], 0, 0
        for chunk in split_phonemes(timing[0] if timing else self.phonemes(text, voice), MAX_PHONEMES):
            tokens = [ids[c] for c in chunk if c in ids]
            first = timing[0].find(chunk, at) if timing else 0
            at = first + len(chunk) if timing else 0
            if not any(tokens):
                continue
            outs = self._session(voice, timing is not None).run(
                None, {"ids": np.array([[0, *tokens, 0]], dtype=np.int64), "speed": np.array([speed], np.float32)})
            lh, theta, ln, lr, phi, f0 = (o[0] for o in outs[:6])
            if lh.shape[-1] == 0:
                continue
            wave = dsp.synth(lh, theta, ln, lr, phi, f0, SeededNormal(seed_of(voice.model_id, speed, chunk)))
            if pieces:
                pieces.append(np.zeros(int(RATE * _GAP_S), dtype=np.float32))
                length += len(pieces[-1])
            if timing:
                timing[2].extend(chunk_words(timing[1], chunk, first, outs[6], ids, len(wave) / RATE, length / RATE))
            pieces.append(np.asarray(wave, dtype=np.float32))
            length += len(wave)
        if not pieces:
            raise EngineError(f"hibari says nothing for {text.strip()!r}: it has no sound for these characters; "
                              "write them in words, or give them a pronunciation")
        return Clip(np.concatenate(pieces), RATE)

    def close(self) -> None:
        """Let the models go."""
        self._sessions.clear()

    def version(self) -> str:
        return f"hibari-tts {_version()}"

