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


# Where a shared cache can be kept, by the scheme of its address: object storage and a (mounted) folder. Other
# fsspec schemes (http, ftp, zip, memory, ...) are read-only, or not shared between machines, or both.
SCHEMES = {"s3": "Amazon S3 or an S3-compatible server", "gs": "Google Cloud Storage", "gcs": "Google Cloud Storage",
           "az": "Azure Blob Storage", "abfs": "Azure Blob Storage", "file": "a folder every machine mounts"}


def check_address(url: str) -> str:
    """The address of a shared cache, checked as written: NarrateError, naming it and what to write instead, for
    a scheme that cannot hold one or an address with no bucket or folder in it (``s3://`` is never a local
    folder named ``s3:``)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    url = scheme + url[len(scheme):]
    example = "s3://bucket/prefix, gs://bucket/prefix, az://container/prefix or file:///shared/folder"
    if scheme not in SCHEMES:
        raise NarrateError(f"a shared cache cannot be kept at '{scheme}://' addresses: give {example}", url)
    if scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.strip("/"):
            raise NarrateError("a file:// cache names a folder by its whole path, as file:///shared/cache", url)
    elif not parts.netloc:
        raise NarrateError(f"the address names no bucket: give {scheme}://bucket or {scheme}://bucket/prefix", url)
    return url


def check_folder(where: str) -> str:
    """A cache folder, unless it reads as a shared cache's address with its '//' left out (``s3:bucket``)."""
    scheme, colon, rest = where.partition(":")
    if colon and scheme.lower() in SCHEMES and not rest.startswith("//"):
        raise NarrateError(f"this reads as an address in {SCHEMES[scheme.lower()]} with its '//' left out: write "
                           f"{scheme.lower()}://{rest.lstrip('/')}, or ./{where} for a folder of that name", where)
    return where


class SharedFiles:
    """Byte-level access to a cache at an fsspec URL: read, write once, list, remove."""

    def __init__(self, url: str) -> None:
        try:
            import fsspec
        except ImportError:  # pragma: no cover - fsspec comes with narrate[cluster]
            raise NarrateError("a cache in object storage needs narrate's cluster extra: "
                               "pip install 'narrate[cluster]'", url) from None
        self.url = check_address(url).rstrip("/")
        try:
            self.fs, root = fsspec.core.url_to_fs(self.url)
        except (ImportError, ValueError) as exc:
            raise NarrateError(f"cannot use this cache address: {exc}", url) from None
        self.root = root.rstrip("/")
        protocols = self.fs.protocol
        self.local = "file" in ((protocols,) if isinstance(protocols, str) else protocols)

    def check(self) -> SharedFiles:
        """Reach the cache once, before any work: NarrateError naming the address for a bucket that does not
        exist, credentials that are missing or refused, or an endpoint that does not answer."""
        if self.local:
            return self  # a folder is made when first written to
        bucket = self.root.split("/", 1)[0]
        try:
            self.fs.info(bucket)
        except FileNotFoundError:
            raise self._no_bucket(bucket) from None
        except Exception as exc:  # botocore and gcsfs raise their own types
            raise self._error(exc) from None
        return self

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
                raise self._no_bucket(bucket)
        except Exception as exc:  # noqa: BLE001  # OSError, or the client's own (no credentials)
            raise self._error(exc) from None
        start = len(self.root) + 1
        return sorted((name[start:], int(info.get("size") or 0)) for name, info in found.items()
                      if info.get("type", "file") == "file" and not name.rsplit("/", 1)[-1].startswith("."))

    def _no_bucket(self, bucket: str) -> NarrateError:
        return NarrateError(f"the shared cache cannot be used: there is no bucket '{bucket}'; create it, or check "
                            "the address", self.url)

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
