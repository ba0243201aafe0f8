"""The content-addressed store of everything narrate keeps between builds.

Five kinds of entry, each by a key that hashes everything that makes it what it is:
synthesised sentences (by ``narrate.plan.speech_key``), when each word of a sentence is
said (by the same key), each sentence's loudness per 10 ms frame, each chapter's loudness
analysis (by its mix region key) and each piece of encoded MP3. Nothing depends on file
times or positions in the script, so an edit misses the cache exactly where it changes
the sound. Entries are written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import wave
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from narrate.audio import Clip, to_pcm16
from narrate.engines.word_times import WordTime
from narrate.files import PARTIAL, atomic_write, in_use
from narrate.loudness import clip_energies

if TYPE_CHECKING:
    from narrate.objectstore import SharedFiles

def default_dir() -> Path:
    """$NARRATE_CACHE_DIR, else $XDG_CACHE_HOME/narrate, else ~/.cache/narrate. (When $NARRATE_CACHE_DIR is a
    shared cache's URL, this is the folder beside it that keeps this machine's copies.)"""
    if (env := os.environ.get("NARRATE_CACHE_DIR")) and "://" not in env:
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


def _wav(pcm: bytes, rate: int) -> bytes:
    import io

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return buf.getvalue()


def _decode(data: bytes) -> Clip:
    import io

    with wave.open(io.BytesIO(data), "rb") as w:
        rate = w.getframerate()
        raw = w.readframes(w.getnframes())
    return Clip(np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32767.0, rate)


class SpeechCache:
    """Sentences as 16-bit mono WAV, in sealed entries under ``root/speech/ab/abcd….wav``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def path(self, key: str) -> Path:
        return self.store.path("speech", key)

    def get(self, key: str) -> Clip | None:
        """The cached clip, or None: missing, or damaged (then deleted, and noted in ``store.damaged``)."""
        data = self.store.get("speech", key)
        if data is None:
            return None
        try:
            return _decode(data)
        except (wave.Error, EOFError):
            self.store.discard("speech", key)
            return None

    def put(self, key: str, clip: Clip, words: Sequence[WordTime] | None = None) -> Clip:
        """Store a clip, and when its voice said when each word is said, those ``words`` (first, so a sentence
        held is never without them); return the clip exactly as ``get`` will read it back (16-bit), so the build
        that synthesised a sentence mixes the very samples that later builds will."""
        if words is not None:
            self.store.put("words", key, json.dumps([[w.text, w.start, w.end] for w in words]).encode("utf-8"))
        pcm = to_pcm16(clip.samples)
        wav = _wav(pcm, clip.rate)
        held = self.store.put("speech", key, wav)
        if held != wav:  # another machine said it first: theirs is the one every build uses
            return _decode(held)
        return Clip(np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32767.0, clip.rate)

    def words(self, key: str) -> tuple[WordTime, ...] | None:
        """When each word of a cached sentence is said, as its voice told it; None if the voice did not, or the
        entry is damaged (then deleted, and noted: the sentence is said again)."""
        data = self.store.get("words", key)
        if data is None:
            return None
        try:
            words = tuple(WordTime(str(t), float(a), float(b)) for t, a, b in json.loads(data))
        except (ValueError, TypeError):
            words = None
        if words is None or not all(0 <= w.start < w.end for w in words):
            self.store.discard("words", key)
            return None
        return words

    def keep(self, key: str, clip: Clip) -> None:
        """Keep a copy in this machine's folder of a clip a worker has put in the shared cache."""
        if self.store.root is not None:
            self.store.put("speech", key, _wav(to_pcm16(clip.samples), clip.rate), here_only=True)


# what the cache holds, and each kind's files: sentences, each sentence's loudness per 10 ms frame,
# each chapter's loudness analysis, each piece (about 20 s) of encoded MP3, and when each word of a sentence is said
KINDS = {"speech": ".wav", "level": ".npz", "mix": ".npz", "mp3": ".seg", "words": ".json"}
SHARED = ("speech", "words")  # the kinds a shared cache holds too


def _rel(kind: str, key: str) -> str:
    return f"{kind}/{key[:2]}/{key}{KINDS[kind]}"


class Store:
    """Everything narrate caches, by kind and key: sentences, their levels, chapter analyses and MP3 pieces.

    Each build records which entries it used (``record_use``), so ``prune`` can
    drop what no recent build uses. Given ``shared`` (a cache in object storage, narrate.objectstore), the
    sentences are also read from and written to it, where other machines find them: this store (``root``)
    keeps a copy of each one used, and everything else. A worker that has no folder of its own
    (``root=None``) uses the shared cache alone.
    """

    def __init__(self, root: Path | None, shared: SharedFiles | None = None) -> None:
        self.root = Path(root) if root is not None else None
        self.shared = shared
        self.speech = SpeechCache(self)
        self.used: dict[str, set[str]] = {kind: set() for kind in KINDS}
        self.made: dict[str, set[str]] = {kind: set() for kind in KINDS}  # entries this store has written
        self.damaged: list[tuple[str, str]] = []  # (kind, key) of each entry found damaged, and removed
        self.share_records = True  # False on a worker whose build is published by another machine

    def path(self, kind: str, key: str) -> Path:
        assert self.root is not None
        return self.root / _rel(kind, key)

    def get(self, kind: str, key: str) -> bytes | None:
        """An entry's bytes, checked against the length and checksum it was written with; None if it is
        missing or damaged (a damaged entry is removed and noted, so it is made again)."""
        data = self._get_local(kind, key) if self.root is not None else None
        if data is None and self.shared is not None and kind in SHARED:
            blob = self.shared.read(_rel(kind, key))
            if blob is not None:
                data = unseal(blob)
                if data is None:
                    self.shared.remove(_rel(kind, key))
                    self.damaged.append((kind, key))
                elif self.root is not None:
                    atomic_write(self.path(kind, key), blob)  # this machine's copy
        if data is not None:
            self.used[kind].add(key)
        return data

    def _get_local(self, kind: str, key: str) -> bytes | None:
        try:
            blob = self.path(kind, key).read_bytes()
        except OSError:
            return None
        data = unseal(blob)
        if data is None and not blob.startswith(MAGIC) and _whole_legacy(kind, blob):
            data = blob  # an older narrate's entry, unsealed but provably whole: still good
        if data is None:
            self.discard(kind, key, damaged=blob.startswith(MAGIC) or kind != "mp3")
        return data

    def speech_keys(self) -> set[str]:
        """Every sentence the cache holds: the shared cache's when there is one (it is what other machines
        see), else this folder's."""
        if self.shared is not None:
            return {rel.rsplit("/", 1)[-1][:-4] for rel, _ in self.shared.listing("speech") if rel.endswith(".wav")}
        if self.root is None:
            return set()
        return {p.name[:-4] for p in (self.root / "speech").glob("??/*.wav") if not p.name.startswith(".")}

    def discard(self, kind: str, key: str, damaged: bool = True) -> None:
        """Remove an entry that cannot be used; note it if it was damaged (not merely old)."""
        if self.root is not None:
            self.path(kind, key).unlink(missing_ok=True)
        self.used[kind].discard(key)
        if damaged:
            self.damaged.append((kind, key))

    def put(self, kind: str, key: str, data: bytes, here_only: bool = False) -> bytes:
        """Store an entry; return the bytes the cache now holds for it. They are ``data``, unless the shared
        cache already had this sentence from another machine: that one is kept, and returned. ``here_only``:
        a sentence a worker has just put in the shared cache, kept in this machine's folder too."""
        blob = seal(data)
        if self.shared is not None and kind in SHARED and not here_only:
            rel = _rel(kind, key)
            while not self.shared.create(rel, blob):
                there = self.shared.read(rel)
                if there is not None and (held := unseal(there)) is not None:
                    data, blob = held, there
                    break
                self.shared.remove(rel)  # damaged: replaced
        if self.root is not None:
            atomic_write(self.path(kind, key), blob)
        self.used[kind].add(key)
        self.made[kind].add(key)
        return data

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
        data = json.dumps(record).encode("utf-8")
        if self.root is not None:
            atomic_write(self.root / "builds" / f"{name}.json", data)
        if self.shared is not None and self.share_records:
            self.shared.write(f"builds/{name}.json", data)


def local_dir(where: Path | str | None) -> Path:
    """This machine's cache folder for a --cache-dir: the folder itself, or (for a shared cache's URL, or none)
    the default one."""
    from narrate.objectstore import is_url

    return default_dir() if where is None or is_url(where) else Path(where)


def open_store(where: Path | str | None) -> Store:
    """The store for a --cache-dir: a folder, or a shared cache's URL (with this machine's folder beside it)."""
    from narrate.objectstore import SharedFiles, is_url

    return Store(local_dir(where), SharedFiles(str(where)).check() if is_url(where) else None)


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
