"""Ambient beds and cues: found by name among the sounds narrate ships, or by path; decoded, looped."""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from narrate.errors import SoundError, did_you_mean
from narrate.script.model import NO_SOUND

SOUND_SUFFIXES = (".wav", ".mp3", ".ogg", ".flac", ".opus")


def sounds_dir() -> Path:
    """The shipped sounds: $NARRATE_AUDIO_DIR, or the installed copy of the repository's audio/ folder."""
    if env := os.environ.get("NARRATE_AUDIO_DIR"):
        return Path(env)
    from importlib.resources import files

    return Path(str(files("narrate.assets")))


def bundled(kind: str) -> dict[str, Path]:
    """Name -> file for the shipped sounds of one kind ('beds' or 'cues')."""
    folder = sounds_dir() / kind
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix in SOUND_SUFFIXES}


def looks_like_path(value: str) -> bool:
    return "/" in value or "\\" in value or value.lower().endswith(SOUND_SUFFIXES)


def find_sound(value: str, kind: str, base_dir: Path) -> Path:
    """A bed or cue named in a script: a shipped name, or a file relative to the script."""
    if looks_like_path(value):
        path = base_dir / Path(value).expanduser()
        if not path.is_file():
            raise SoundError(f"sound file not found: {value} (looked for {path})")
        if path.suffix.lower() not in SOUND_SUFFIXES:
            raise SoundError(f"'{value}' is not a sound file narrate reads ({', '.join(SOUND_SUFFIXES)})")
        return path
    names = bundled(kind)
    if value not in names:
        hint = did_you_mean(value, names, cutoff=0.6)
        known = ", ".join(names) or "none shipped"
        raise SoundError(f"unknown {kind[:-1]} '{value}'{hint}: use a file path or one of: {known}")
    return names[value]


def is_off(value: str | None) -> bool:
    """True for 'none' or 'off': no bed for this leg."""
    return value is not None and value.strip().lower() in NO_SOUND


@functools.cache
def _load(path: str, mtime_ns: int, size: int, rate: int) -> np.ndarray:
    from narrate.audio import decode_frames, resample_array

    suffix = Path(path).suffix.lower().lstrip(".")
    try:
        samples, src_rate = decode_frames(path, "ogg" if suffix == "opus" else suffix)
    except Exception as exc:  # pydub raises CouldntDecodeError or IndexError on bad data
        detail = str(exc).strip().splitlines()
        raise SoundError(f"cannot decode sound file {path}: {detail[-1] if detail else type(exc).__name__}") from None
    if len(samples) == 0:
        raise SoundError(f"sound file {path} has no audio")
    if samples.shape[1] == 1:
        samples = np.repeat(samples, 2, axis=1)
    elif samples.shape[1] > 2:  # fold surround down to stereo, evenly
        samples = np.repeat(samples.mean(axis=1, keepdims=True), 2, axis=1)
    samples = resample_array(samples, src_rate, rate)
    samples.setflags(write=False)
    return samples


def load_sound(path: Path, rate: int) -> np.ndarray:
    """A sound file of any format, rate and channel count as float32 stereo at ``rate`` Hz (read-only)."""
    st = path.stat()
    return _load(str(path), st.st_mtime_ns, st.st_size, rate)


def make_loop(samples: np.ndarray, rate: int, seconds: float = 1.5) -> np.ndarray:
    """A version of ``samples`` that repeats seamlessly: its tail is crossfaded into its head.

    The fade keeps the level steady whether the two ends are alike (a steady engine
    tone) or unrelated (noise): the gains are scaled by the ends' measured correlation.
    """
    n = len(samples)
    x = min(int(seconds * rate), n // 3)
    if x < 2:
        return samples
    head, tail = samples[:x].astype(np.float64), samples[n - x :].astype(np.float64)
    denom = np.sqrt(np.sum(head**2) * np.sum(tail**2))
    rho = float(np.clip(np.sum(head * tail) / denom, -1, 1)) if denom > 0 else 0.0
    w = (0.5 - 0.5 * np.cos(np.pi * (np.arange(x) + 0.5) / x))[:, None]  # 0 -> 1, smooth
    a, b = w, 1 - w
    norm = np.sqrt(np.maximum(a**2 + b**2 + 2 * rho * a * b, 1e-9))
    joined = (head * a + tail * b) / norm
    return np.concatenate([joined, samples[x : n - x]]).astype(np.float32)


@dataclass(frozen=True, eq=False)
class MixSounds:
    """The sounds a mix uses, decoded to stereo at the mix rate: cues by kind, beds by chapter."""

    cues: dict[str, np.ndarray] = field(default_factory=dict)
    beds: tuple[tuple[str, np.ndarray] | None, ...] = ()  # per chapter: (name, loopable audio) or None

    @functools.cached_property
    def ids(self) -> dict[str, str]:
        """A content hash of each sound, by cue kind and bed name: what region keys name them by."""
        out = {kind: _digest(audio) for kind, audio in self.cues.items()}
        out.update({name: _digest(audio) for name, audio in (b for b in self.beds if b is not None)})
        return out


def _digest(audio: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(audio, dtype=np.float32).tobytes()).hexdigest()[:32]
