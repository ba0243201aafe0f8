"""The speech cache shared through object storage (or any fsspec file system): ``--cache-dir s3://bucket/prefix``.

Many machines say sentences into it at once, so every entry is written once and never over: on S3 a
conditional PUT (``If-None-Match: *``, which S3 and its compatible servers refuse with 412 when the key
exists); on a local or mounted folder (``file://``) a temporary file linked into place, which fails when
the name exists. A reader therefore sees a whole entry or none, and two machines that say the same sentence
agree on the one that was stored first. Entries are sealed as in the local cache (narrate.cache.seal).

The layout is the local cache's: ``<kind>/<ab>/<key><suffix>``, and build records under ``builds/``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from narrate.errors import NarrateError


def is_url(where: object) -> bool:
    """Whether a --cache-dir names object storage (``s3://…``, ``gs://…``, ``file://…``) rather than a folder."""
    return isinstance(where, str) and "://" in where


class SharedFiles:
    """Byte-level access to a cache at an fsspec URL: read, write once, list, remove."""

    def __init__(self, url: str) -> None:
        try:
            import fsspec
        except ImportError:  # pragma: no cover - fsspec comes with narrate[cluster]
            raise NarrateError("a cache in object storage needs narrate's cluster extra: "
                               "pip install 'narrate[cluster]'", url) from None
        self.url = url.rstrip("/")
        try:
            self.fs, root = fsspec.core.url_to_fs(self.url)
        except (ImportError, ValueError) as exc:
            raise NarrateError(f"cannot use this cache address: {exc}", url) from None
        self.root = root.rstrip("/")
        protocols = self.fs.protocol
        self.local = "file" in ((protocols,) if isinstance(protocols, str) else protocols)

    def __reduce__(self) -> tuple:  # sent to workers by its address; each opens its own connection
        return SharedFiles, (self.url,)

    def _path(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def read(self, rel: str) -> bytes | None:
        """An object's bytes, or None if there is none."""
        try:
            return self.fs.cat_file(self._path(rel))
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001  # OSError, or the client's own (no credentials)
            raise self._error(exc) from None

    def create(self, rel: str, data: bytes) -> bool:
        """Write an object only if it does not exist yet; whether this call wrote it."""
        path = self._path(rel)
        try:
            if self.local:
                return _link_once(Path(path), data)
            self.fs.pipe_file(path, data, mode="create")
            return True
        except FileExistsError:
            return False
        except Exception as exc:  # noqa: BLE001  # OSError, or the client's own (no credentials)
            raise self._error(exc) from None

    def write(self, rel: str, data: bytes) -> None:
        """Write an object, replacing any (build records: each build writes its own)."""
        path = self._path(rel)
        try:
            if self.local:
                from narrate.files import atomic_write

                atomic_write(Path(path), data)
            else:
                self.fs.pipe_file(path, data)
        except Exception as exc:  # noqa: BLE001  # OSError, or the client's own (no credentials)
            raise self._error(exc) from None

    def remove(self, rel: str) -> None:
        try:
            self.fs.rm_file(self._path(rel))
        except FileNotFoundError:
            pass
        except Exception as exc:  # noqa: BLE001  # OSError, or the client's own (no credentials)
            raise self._error(exc) from None

    def listing(self, folder: str) -> list[tuple[str, int]]:
        """Every object under ``folder``: its path relative to the cache, and its size."""
        bucket = self.root.split("/")[0]
        try:
            try:
                found = self.fs.find(self._path(folder), detail=True)
            except FileNotFoundError:
                found = {}
            if not found and not self.local and not self.fs.exists(bucket):
                raise NarrateError(f"the shared cache cannot be used: there is no bucket '{bucket}'; create it, "
                                   "or check the address", self.url)
        except Exception as exc:  # noqa: BLE001  # OSError, or the client's own (no credentials)
            raise self._error(exc) from None
        start = len(self.root) + 1
        return sorted((name[start:], int(info.get("size") or 0)) for name, info in found.items()
                      if info.get("type", "file") == "file" and not name.rsplit("/", 1)[-1].startswith("."))

    def _error(self, exc: Exception) -> NarrateError:
        if isinstance(exc, NarrateError):
            return exc
        return NarrateError(f"the shared cache cannot be used: {exc}; check its address and the credentials "
                            "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and AWS_ENDPOINT_URL for an "
                            "S3-compatible server)", self.url)


def _link_once(path: Path, data: bytes) -> bool:
    """Write ``path`` whole through a temporary file and a hard link, which fails if ``path`` exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.stem}.{secrets.token_hex(4)}.partial{path.suffix}"
    try:
        tmp.write_bytes(data)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)
