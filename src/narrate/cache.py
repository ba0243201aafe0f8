"""The content-addressed store of everything narrate keeps between builds.

Four kinds of entry, each by a key that hashes everything that makes it what it is:
synthesised sentences (by ``narrate.plan.speech_key``), each sentence's loudness per
10 ms frame, each chapter's loudness analysis (by its mix region key) and each piece
of encoded MP3. Nothing depends on file times or positions in the script, so an edit
misses the cache exactly where it changes the sound. Entries are written atomically.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from narrate.audio import Clip, to_pcm16
from narrate.files import PARTIAL, atomic_write, in_use
from narrate.loudness import clip_energies

def default_dir() -> Path:
    """$NARRATE_CACHE_DIR, else $XDG_CACHE_HOME/narrate, else ~/.cache/narrate."""
    if env := os.environ.get("NARRATE_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "narrate"


MAGIC = b"NRC1"  # every entry: this, its length (8 bytes) and SHA-256, then its bytes
_HEADER = len(MAGIC) + 8 + 32


def seal(data: bytes) -> bytes:
    """An entry as stored: its bytes behind their length and checksum."""
    return MAGIC + len(data).to_bytes(8, "big") + hashlib.sha256(data).digest() + data


def unseal(blob: bytes) -> bytes | None:
    """An entry's bytes, or None if they are not what was written (cut short, or changed)."""
    if not blob.startswith(MAGIC) or len(blob) < _HEADER:
        return None
    n = int.from_bytes(blob[4:12], "big")
    data = blob[_HEADER:]
    return data if len(data) == n and hashlib.sha256(data).digest() == blob[12:_HEADER] else None


def _whole_legacy(kind: str, blob: bytes) -> bool:
    """Whether an entry written before entries were sealed is whole: a WAV holding as many frames as its
    header says, or a zip archive whose members pass their CRCs. (Old MP3 pieces are simply made again.)"""
    import io
    import zipfile

    try:
        if kind == "speech":
            with wave.open(io.BytesIO(blob), "rb") as w:
                return len(w.readframes(w.getnframes())) == w.getnframes() * w.getsampwidth() * w.getnchannels()
        if kind in ("level", "mix"):
            with zipfile.ZipFile(io.BytesIO(blob)) as z:
                return z.testzip() is None
    except Exception:  # wave and zipfile raise several kinds for a bad file
        return False
    return False


class SpeechCache:
    """Sentences as 16-bit mono WAV, in sealed entries under ``root/speech/ab/abcd….wav``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def path(self, key: str) -> Path:
        return self.store.path("speech", key)

    def get(self, key: str) -> Clip | None:
        """The cached clip, or None: missing, or damaged (then deleted, and noted in ``store.damaged``)."""
        import io

        data = self.store.get("speech", key)
        if data is None:
            return None
        try:
            with wave.open(io.BytesIO(data), "rb") as w:
                rate = w.getframerate()
                raw = w.readframes(w.getnframes())
        except (wave.Error, EOFError):
            self.store.discard("speech", key)
            return None
        return Clip(np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32767.0, rate)

    def put(self, key: str, clip: Clip) -> Clip:
        """Store a clip; return it exactly as ``get`` will read it back (16-bit), so the build that
        synthesised a sentence mixes the very samples that later builds will."""
        import io

        pcm = to_pcm16(clip.samples)
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(clip.rate)
            w.writeframes(pcm)
        self.store.put("speech", key, buf.getvalue())
        return Clip(np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32767.0, clip.rate)


# what the cache holds, and each kind's files: sentences, each sentence's loudness per 10 ms frame,
# each chapter's loudness analysis, and each piece (about 20 s) of encoded MP3
KINDS = {"speech": ".wav", "level": ".npz", "mix": ".npz", "mp3": ".seg"}


class Store:
    """Everything narrate caches, by kind and key: sentences, their levels, chapter analyses and MP3 pieces.

    Each build records which entries it used (``record_use``), so ``prune`` can
    drop what no recent build uses.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.speech = SpeechCache(self)
        self.used: dict[str, set[str]] = {kind: set() for kind in KINDS}
        self.damaged: list[tuple[str, str]] = []  # (kind, key) of each entry found damaged, and removed

    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / key[:2] / f"{key}{KINDS[kind]}"

    def get(self, kind: str, key: str) -> bytes | None:
        """An entry's bytes, checked against the length and checksum it was written with; None if it is
        missing or damaged (a damaged entry is removed and noted, so it is made again)."""
        try:
            blob = self.path(kind, key).read_bytes()
        except OSError:
            return None
        data = unseal(blob)
        if data is None and not blob.startswith(MAGIC) and _whole_legacy(kind, blob):
            data = blob  # an older narrate's entry, unsealed but provably whole: still good
        if data is None:
            self.discard(kind, key, damaged=blob.startswith(MAGIC) or kind != "mp3")
            return None
        self.used[kind].add(key)
        return data

    def discard(self, kind: str, key: str, damaged: bool = True) -> None:
        """Remove an entry that cannot be used; note it if it was damaged (not merely old)."""
        self.path(kind, key).unlink(missing_ok=True)
        self.used[kind].discard(key)
        if damaged:
            self.damaged.append((kind, key))

    def put(self, kind: str, key: str, data: bytes) -> None:
        atomic_write(self.path(kind, key), seal(data))
        self.used[kind].add(key)

    def get_arrays(self, kind: str, key: str) -> dict[str, np.ndarray] | None:
        import io

        data = self.get(kind, key)
        if data is None:
            return None
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                return {name: npz[name] for name in npz.files}
        except Exception:  # numpy and zipfile raise several kinds for a bad archive
            self.discard(kind, key)
            return None

    def put_arrays(self, kind: str, key: str, **arrays: np.ndarray) -> None:
        import io

        buf = io.BytesIO()
        np.savez(buf, **arrays)
        self.put(kind, key, buf.getvalue())

    def clip_energies(self, key: str, clip: Clip) -> np.ndarray:
        """A sentence's frame energies (narrate.loudness.clip_energies), computed once and kept."""
        got = self.get_arrays("level", key)
        if got is not None and "energies" in got:
            return got["energies"]
        energies = clip_energies(clip)
        self.put_arrays("level", key, energies=energies)
        return energies

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


@dataclasses.dataclass(frozen=True)
class KindUsage:
    kind: str
    entries: int
    bytes: int
    unused_entries: int
    unused_bytes: int


@dataclasses.dataclass(frozen=True)
class CacheInfo:
    """What the cache holds, and how much of it no recent build uses."""

    root: Path
    kinds: tuple[KindUsage, ...]
    builds: int  # episodes whose last build is recorded, within the window
    last_build: float | None
    days: float

    @property
    def bytes(self) -> int:
        return sum(k.bytes for k in self.kinds)


def _entries(root: Path, kind: str) -> list[tuple[str, Path, int]]:
    folder = root / kind
    suffix = KINDS[kind]
    out = []
    if folder.is_dir():
        for path in folder.glob(f"??/*{suffix}"):
            try:
                out.append((path.name[: -len(suffix)], path, path.stat().st_size))
            except OSError:
                continue
    return out


def _recent_use(root: Path, days: float) -> tuple[dict[str, set[str]], list[Path], list[float]]:
    """Keys used by builds recorded in the last ``days``; the records older than that."""
    used: dict[str, set[str]] = {kind: set() for kind in KINDS}
    old: list[Path] = []
    times: list[float] = []
    cutoff = time.time() - days * 86400
    for path in sorted((root / "builds").glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            built = float(record["built"])
            keys = record["keys"]
        except (OSError, ValueError, KeyError, TypeError):
            old.append(path)
            continue
        if built < cutoff:
            old.append(path)
            continue
        times.append(built)
        for kind in KINDS:
            used[kind].update(keys.get(kind, []))
    return used, old, times


def cache_info(root: Path, days: float = 30) -> CacheInfo:
    """Count what the cache holds, by kind, and what no build in the last ``days`` uses."""
    used, _, times = _recent_use(root, days)
    kinds = []
    for kind in KINDS:
        entries = _entries(root, kind)
        unused = [size for key, _, size in entries if key not in used[kind]]
        kinds.append(KindUsage(kind, len(entries), sum(s for _, _, s in entries), len(unused), sum(unused)))
    return CacheInfo(root, tuple(kinds), len(times), max(times, default=None), days)


def prune(root: Path, days: float = 30, dry_run: bool = False) -> tuple[int, int]:
    """Delete every entry that no build in the last ``days`` uses (and older build records);
    return the entries and bytes freed."""
    used, old, _ = _recent_use(root, days)
    count = freed = 0
    for kind in KINDS:
        for key, path, size in _entries(root, kind):
            if key in used[kind]:
                continue
            if not dry_run:
                path.unlink(missing_ok=True)
            count += 1
            freed += size
    if not dry_run:
        for path in old:
            path.unlink(missing_ok=True)
        with cache_in_use(root):  # clears what killed builds left, unless a build is running
            pass
    return count, freed


def remove_partials(root: Path) -> int:
    """Remove what builds that were killed mid-write left in the cache (call it only while no build runs)."""
    count = 0
    for stray in root.glob(f"*/??/.*{PARTIAL}.*"):
        stray.unlink(missing_ok=True)
        count += 1
    return count


@contextmanager
def cache_in_use(root: Path) -> Iterator[None]:
    """Use the cache for a build: shared with other builds; the first one in clears what killed builds left."""
    with in_use(root, lambda: remove_partials(root)):
        yield


@dataclasses.dataclass(frozen=True)
class CheckedCache:
    """What ``narrate cache verify`` found."""

    entries: int
    damaged: int  # removed
    old: int  # MP3 pieces of an earlier narrate, without a seal: removed, as no build reads them


def verify(root: Path) -> CheckedCache:
    """Check every entry against its length and checksum; remove the damaged ones and the unsealed."""
    count = damaged = old = 0
    for kind in KINDS:
        for _, path, _ in _entries(root, kind):
            count += 1
            try:
                blob = path.read_bytes()
            except OSError:
                continue
            if unseal(blob) is None and not (not blob.startswith(MAGIC) and _whole_legacy(kind, blob)):
                if blob.startswith(MAGIC) or kind != "mp3":
                    damaged += 1
                else:
                    old += 1
                path.unlink(missing_ok=True)
    return CheckedCache(count, damaged, old)
