"""A content-addressed store of synthesised sentences.

The key is the hash of canonical JSON of everything that changes the sound
(engine, voice-model hash, voice settings, normalised text, cache format), so
an edit misses the cache exactly where it changes the words, and nothing
depends on file times or positions in the script.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from narrate.audio import Clip, to_pcm16
from narrate.engines import ResolvedVoice

CACHE_FORMAT = 1


def default_dir() -> Path:
    """$NARRATE_CACHE_DIR, else $XDG_CACHE_HOME/narrate, else ~/.cache/narrate."""
    if env := os.environ.get("NARRATE_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "narrate"


def speech_key(voice: ResolvedVoice, text: str) -> str:
    """The cache key of one sentence said by one voice."""
    payload = {
        "format": CACHE_FORMAT,
        "engine": voice.engine,
        "model": voice.model_id,
        "settings": dict(voice.settings),
        "text": text,
    }
    canon = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class SpeechCache:
    """Sentences as 16-bit mono WAV files under ``root/speech/ab/abcd….wav``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / "speech" / key[:2] / f"{key}.wav"

    def get(self, key: str) -> Clip | None:
        """The cached clip, or None (a damaged entry counts as missing)."""
        try:
            with wave.open(str(self.path(key)), "rb") as w:
                rate = w.getframerate()
                raw = w.readframes(w.getnframes())
        except (FileNotFoundError, wave.Error, EOFError):
            return None
        return Clip(np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32767.0, rate)

    def put(self, key: str, clip: Clip) -> None:
        import io

        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(clip.rate)
            w.writeframes(to_pcm16(clip.samples))
        atomic_write(self.path(key), buf.getvalue())


KINDS = {"speech": ".wav", "mix": ".npz", "mp3": ".seg"}  # what the cache holds, and each kind's files


class Store:
    """Everything narrate caches, by kind and key: sentences, chapter analyses and encoded chapters.

    Each build records which entries it used (``record_use``), so ``prune`` can
    drop what no recent build uses.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.speech = SpeechCache(self.root)
        self.used: dict[str, set[str]] = {kind: set() for kind in KINDS}

    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / key[:2] / f"{key}{KINDS[kind]}"

    def get(self, kind: str, key: str) -> bytes | None:
        try:
            data = self.path(kind, key).read_bytes()
        except OSError:
            return None
        self.used[kind].add(key)
        return data

    def put(self, kind: str, key: str, data: bytes) -> None:
        atomic_write(self.path(kind, key), data)
        self.used[kind].add(key)

    def get_arrays(self, kind: str, key: str) -> dict[str, np.ndarray] | None:
        import io

        data = self.get(kind, key)
        if data is None:
            return None
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                return {name: npz[name] for name in npz.files}
        except (ValueError, OSError, EOFError):
            return None  # a damaged entry counts as missing

    def put_arrays(self, kind: str, key: str, **arrays: np.ndarray) -> None:
        import io

        buf = io.BytesIO()
        np.savez(buf, **arrays)
        self.put(kind, key, buf.getvalue())

    def record_use(self, episode: str, speech_keys: set[str]) -> None:
        """Note which entries the build of ``episode`` (its build record's path) uses now."""
        self.used["speech"] |= speech_keys
        name = hashlib.sha256(episode.encode("utf-8")).hexdigest()[:24]
        record = {
            "episode": episode,
            "built": time.time(),
            "keys": {kind: sorted(keys) for kind, keys in self.used.items()},
        }
        atomic_write(self.root / "builds" / f"{name}.json", json.dumps(record).encode("utf-8"))
