"""eSpeak NG: a small formant voice for some 130 languages (GPL-3.0, the library and its data from the
``espeakng-loader`` wheel, called through ctypes): the voice of last resort, for a language that neither
Kokoro nor Pico speaks (Korean, Dutch, Polish, Russian...). It sounds robotic, and is clear.

Each language has two voices: ``espeak_ko`` (eSpeak's own, male) and ``espeak_ko_f`` (its female variant).
eSpeak's wave generator keeps state from one utterance to the next (the same sentence said twice in a row is a few
samples longer the second time), and neither restarting nor reseeding it clears that. So, as with Pico, each
sentence is spoken in a child forked from a process in which eSpeak has not yet spoken: the same sentence gives
the same samples in any process, in any order, with any ``--jobs``.
"""

from __future__ import annotations

import ctypes
import re
import threading
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

from narrate.audio import Clip
from narrate.engines import ResolvedVoice, VoiceInfo
from narrate.engines.forked import in_fresh_child
from narrate.errors import EngineError, did_you_mean
from narrate.script.model import VoiceSettings

COST = 0.003  # CPU seconds per second of speech, the fork included (docs/engines.md)
WORDS_PER_MINUTE = 175  # eSpeak's own speed, at speed 1.0
FEMALE = "+f3"  # eSpeak's variant for a female voice
_SYNCHRONOUS, _UTF8, _RATE = 2, 1, 1  # espeak_AUDIO_OUTPUT, espeakCHARS_UTF8, espeakRATE
_TAG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,3})?")  # the languages listed: plain tags, no private use or scripts
_LOCK = threading.Lock()  # eSpeak keeps one voice and one callback per process


class _Voice(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("languages", ctypes.c_void_p), ("identifier", ctypes.c_char_p),
                ("gender", ctypes.c_ubyte), ("age", ctypes.c_ubyte), ("variant", ctypes.c_ubyte),
                ("xx1", ctypes.c_ubyte), ("score", ctypes.c_int), ("spare", ctypes.c_void_p)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


def bcp47(tag: str) -> str:
    """eSpeak's 'pt-br' as BCP 47 writes it: 'pt-BR'; its 'fr-fr' is France's French, 'fr'."""
    main, _, region = tag.partition("-")
    if not region or region == main:
        return main
    return f"{main}-{region.upper()}" if len(region) == 2 else f"{main}-{region}"


class _Library:
    """libespeak-ng, initialised once in this process, with a callback that gathers the samples."""

    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        _declare(self.lib)
        self.rate = self.lib.espeak_Initialize(_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0)
        if self.rate <= 0:
            raise EngineError("eSpeak NG could not start: reinstall espeakng-loader")
        self.chunks: list[np.ndarray] = []
        self.callback = _CALLBACK(self._gather)  # kept: eSpeak calls it for as long as the library lives
        self.lib.espeak_SetSynthCallback(self.callback)

    def _gather(self, wav, count, events) -> int:  # type: ignore[no-untyped-def]
        if wav and count > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0

    def languages(self) -> dict[str, str]:
        """Every language eSpeak speaks: BCP 47 tag -> the name eSpeak selects its voice by. It selects a voice by
        its file's name ('en-us'), so a language no file is named after ('en-gb', in the file 'gmw/en') is given
        by the file's path; a language whose dictionary is not installed (Faroese, in espeakng-loader's data)
        would speak nothing, and is left out."""
        voices = self.lib.espeak_ListVoices(None)
        found: list[tuple[str, str]] = []  # (language, voice file)
        k = 0
        while voices[k]:
            listed = ctypes.string_at(voices[k].contents.languages, 64)[1:].split(b"\0")[0].decode("ascii", "replace")
            if _TAG.fullmatch(listed):
                found.append((listed, (voices[k].contents.identifier or b"").decode("ascii", "replace")))
            k += 1
        files = {ident.rsplit("/", 1)[-1].lower() for _, ident in found}
        out: dict[str, str] = {}
        for listed, ident in found:
            if _has_dictionary(ident, listed):
                out.setdefault(bcp47(listed), listed if listed in files else ident)
        return out

    def speak(self, text: str, voice: str, speed: float) -> np.ndarray:
        with _LOCK:
            self.chunks = []
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise EngineError(f"eSpeak has no voice '{voice}'")
            _checked("SetParameter", self.lib.espeak_SetParameter(_RATE, int(round(WORDS_PER_MINUTE * speed)), 0))
            data = text.encode("utf-8") + b"\0"
            _checked("Synth", self.lib.espeak_Synth(data, len(data), 0, 0, 0, _UTF8, None, None))
            _checked("Synchronize", self.lib.espeak_Synchronize())
            return np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)


def _has_dictionary(identifier: str, language: str) -> bool:
    """Whether the dictionary a voice file names ('dictionary no'; else its language's, 'en' for 'en-us') is
    installed."""
    import espeakng_loader

    data = Path(espeakng_loader.get_data_path())
    try:
        text = (data / "lang" / identifier).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True  # no voice file to read: eSpeak knows its own
    named = re.search(r"^\s*dictionary\s+(\S+)", text, re.M)
    return (data / f"{named[1] if named else language.split('-')[0]}_dict").is_file()


def _declare(lib: ctypes.CDLL) -> None:
    """The types of every eSpeak NG call narrate makes (speak_lib.h), so ctypes converts each argument as C
    expects it instead of guessing from the Python value."""
    c = ctypes
    for name, restype, argtypes in [
        ("espeak_Initialize", c.c_int, [c.c_int, c.c_int, c.c_char_p, c.c_int]),
        ("espeak_ListVoices", c.POINTER(c.POINTER(_Voice)), [c.c_void_p]),
        ("espeak_SetSynthCallback", None, [_CALLBACK]),
        ("espeak_SetVoiceByName", c.c_int, [c.c_char_p]),
        ("espeak_SetParameter", c.c_int, [c.c_int, c.c_int, c.c_int]),
        ("espeak_Synth", c.c_int, [c.c_char_p, c.c_size_t, c.c_uint, c.c_int, c.c_uint, c.c_uint,
                                   c.POINTER(c.c_uint), c.c_void_p]),
        ("espeak_Synchronize", c.c_int, []),
    ]:
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes


def _checked(call: str, status: int) -> None:
    """EngineError unless an eSpeak call returned EE_OK (0)."""
    if status != 0:
        raise EngineError(f"eSpeak NG's espeak_{call} failed (status {status}): reinstall espeakng-loader")


@lru_cache(maxsize=1)
def _library() -> _Library:
    try:
        return _Library()
    except (ImportError, OSError) as exc:
        raise EngineError(f"eSpeak NG is not installed ({exc}): pip install espeakng-loader") from exc


@lru_cache(maxsize=1)
def _names() -> dict[str, tuple[str, str, str]]:
    """narrate's voice name -> (BCP 47 tag, eSpeak's voice, gender): eSpeak's voices listed once a process."""
    out = {}
    for tag, listed in _library().languages().items():
        out[voice_name(tag)] = (tag, listed, "male")
        out[voice_name(tag) + "_f"] = (tag, listed + FEMALE, "female")
    return out


def voice_name(tag: str) -> str:
    """The voice narrate lists for a language: 'espeak_pt_br' for 'pt-BR'."""
    return "espeak_" + tag.lower().replace("-", "_")


class EspeakEngine:
    """Offline synthesis with eSpeak NG, in every language it has."""

    name = "espeak"
    parallel = False  # it costs next to nothing: spoken in the build's own process

    def resolve(self, voice: VoiceSettings, base_dir: Path) -> ResolvedVoice:
        names = _names()
        if voice.model not in names:
            raise EngineError(f"unknown espeak voice '{voice.model}'{did_you_mean(voice.model, sorted(names))}: "
                              "'narrate voices --language CODE' lists a language's voices")
        if not 0.5 <= voice.speed <= 2.0:
            raise EngineError(f"espeak speaks at 0.5 to 2.0 times its speed, not {voice.speed:g}")
        tag, listed, _ = names[voice.model]
        return ResolvedVoice(self.name, f"espeak-ng {metadata.version('espeakng-loader')}", (
            ("voice", listed), ("speed", round(voice.speed, 3))), model=voice.model,
            label=f"{voice.model} (eSpeak, {tag})")

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo(self.name, name, tag, gender, COST, "robotic")
                for name, (tag, _, gender) in _names().items()]

    def synthesize(self, text: str, voice: ResolvedVoice) -> Clip:
        library = _library()
        speed = float(voice.setting("speed"))  # type: ignore[arg-type]
        pcm = _fresh_speak(library, text, str(voice.setting("voice")), speed)
        if not pcm.size:
            raise EngineError(f"espeak produced no audio for: {text!r}")
        return Clip(pcm.astype(np.float32) / 32768.0, library.rate)

    def version(self) -> str:
        return f"espeakng-loader {metadata.version('espeakng-loader')}"


def _fresh_speak(library: _Library, text: str, voice: str, speed: float) -> np.ndarray:
    """eSpeak's samples for ``text``, spoken in a forked child, so that its wave generator starts as it always does."""
    data = in_fresh_child(lambda: library.speak(text, voice, speed).astype("<i2").tobytes(),
                          f"espeak could not speak: {text!r}")
    return np.frombuffer(data, dtype="<i2")
