"""Looking after the cache: what it holds (``narrate cache info``), dropping what no recent build used
(``prune``) and checking every entry (``verify``), in a folder or in object storage alike."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from narrate.cache import KINDS, MAGIC, _whole_legacy, cache_in_use, unseal
from narrate.objectstore import SharedFiles, is_url


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

    root: Path | str
    kinds: tuple[KindUsage, ...]
    builds: int  # episodes whose last build is recorded, within the window
    last_build: float | None
    days: float

    @property
    def bytes(self) -> int:
        return sum(k.bytes for k in self.kinds)


class LocalFiles:
    """Byte-level access to a cache folder, as narrate.objectstore.SharedFiles gives to a shared cache."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def read(self, rel: str) -> bytes | None:
        try:
            return (self.root / rel).read_bytes()
        except OSError:
            return None

    def remove(self, rel: str) -> None:
        (self.root / rel).unlink(missing_ok=True)

    def listing(self, folder: str) -> list[tuple[str, int]]:
        out = []
        pattern = "*.json" if folder == "builds" else "??/*"
        for path in sorted((self.root / folder).glob(pattern)):
            if path.name.startswith("."):
                continue
            try:
                out.append((path.relative_to(self.root).as_posix(), path.stat().st_size))
            except OSError:
                continue
        return out


def cache_files(where: Path | str) -> LocalFiles | SharedFiles:
    """The cache at a folder or (narrate.objectstore) at a URL."""
    return SharedFiles(str(where)).check() if is_url(where) else LocalFiles(Path(where))


def _entries(files: LocalFiles | SharedFiles, kind: str) -> list[tuple[str, str, int]]:
    """Every entry of a kind: its key, its path in the cache, and its size."""
    suffix = KINDS[kind]
    return [(rel.rsplit("/", 1)[-1][: -len(suffix)], rel, size) for rel, size in files.listing(kind)
            if rel.endswith(suffix)]


def _recent_use(files: LocalFiles | SharedFiles, days: float) -> tuple[dict[str, set[str]], list[str], list[float]]:
    """Keys used by builds recorded in the last ``days``; the records older than that."""
    used: dict[str, set[str]] = {kind: set() for kind in KINDS}
    old: list[str] = []
    times: list[float] = []
    cutoff = time.time() - days * 86400
    for rel, _ in files.listing("builds"):
        try:
            record = json.loads(files.read(rel) or b"")
            built = float(record["built"])
            keys = record["keys"]
        except (ValueError, KeyError, TypeError):
            old.append(rel)
            continue
        if built < cutoff:
            old.append(rel)
            continue
        times.append(built)
        for kind in KINDS:
            used[kind].update(keys.get(kind, []))
    return used, old, times


def cache_info(root: Path | str, days: float = 30) -> CacheInfo:
    """Count what the cache holds, by kind, and what no build in the last ``days`` uses."""
    files = cache_files(root)
    used, _, times = _recent_use(files, days)
    kinds = []
    for kind in KINDS:
        entries = _entries(files, kind)
        unused = [size for key, _, size in entries if key not in used[kind]]
        kinds.append(KindUsage(kind, len(entries), sum(s for _, _, s in entries), len(unused), sum(unused)))
    return CacheInfo(root, tuple(kinds), len(times), max(times, default=None), days)


def prune(root: Path | str, days: float = 30, dry_run: bool = False) -> tuple[int, int]:
    """Delete every entry that no build in the last ``days`` uses (and older build records);
    return the entries and bytes freed."""
    files = cache_files(root)
    used, old, _ = _recent_use(files, days)
    count = freed = 0
    for kind in KINDS:
        for key, rel, size in _entries(files, kind):
            if key in used[kind]:
                continue
            if not dry_run:
                files.remove(rel)
            count += 1
            freed += size
    if not dry_run:
        for rel in old:
            files.remove(rel)
        if isinstance(files, LocalFiles):
            with cache_in_use(files.root):  # clears what killed builds left, unless a build is running
                pass
    return count, freed


@dataclasses.dataclass(frozen=True)
class CheckedCache:
    """What ``narrate cache verify`` found."""

    entries: int
    damaged: int  # removed
    old: int  # MP3 pieces of an earlier narrate, without a seal: removed, as no build reads them


def verify(root: Path | str) -> CheckedCache:
    """Check every entry against its length and checksum; remove the damaged ones and the unsealed."""
    files = cache_files(root)
    count = damaged = old = 0
    for kind in KINDS:
        for _, rel, _ in _entries(files, kind):
            count += 1
            blob = files.read(rel)
            if blob is None:
                continue
            if unseal(blob) is None and not (not blob.startswith(MAGIC) and _whole_legacy(kind, blob)):
                if blob.startswith(MAGIC) or kind != "mp3":
                    damaged += 1
                else:
                    old += 1
                files.remove(rel)
    return CheckedCache(count, damaged, old)
