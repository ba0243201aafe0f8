"""A catalogue on a Ray cluster: many scripts built at once, ``narrate build books/ --cluster …``.

Every script is read, checked and planned here first; a script with a mistake is reported (file and line)
and left out, and the others go on. The sentences all the books still need are said once each, however many
books share them (a series intro, a recurring speaker), longest first, by narrate.cluster's actors. As soon
as a book has all its sentences, its mix, mastering, encoding and publishing run as a Ray task of their own,
on whichever node has a CPU free, so the books finish in parallel; the task returns the book's files and
they are published here all at once (narrate.files.published_all), as a local build publishes them.

The tasks read the sentences from the shared cache (``--cache-dir s3://…``); without one, the books are
mixed here, one after another. A task lost with its node is run again by Ray elsewhere.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narrate.build import Prepared, build, prepare
from narrate.cache import Store, open_store
from narrate.cluster import RaySpeaker, calls_to, connect, gone, wait_one
from narrate.engines import Engines
from narrate.errors import NarrateError
from narrate.files import published_all
from narrate.inputs import used_files
from narrate.options import BuildOptions
from narrate.plan import Speech
from narrate.record import BuildRecord
from narrate.result import BuildResult, Failed


@dataclass
class _Book:
    path: str
    ready: Prepared
    keys: set[str]  # the sentences it still waits for


def build_catalogue(paths: list[str], options: BuildOptions, engines: Engines, log: Callable[[str], None],
                    report: Callable[[BuildResult], None], failed: list[Failed]) -> list[BuildResult]:
    """Build every script on the cluster ``options.cluster``; the books built. Those that fail are added to
    ``failed`` (and logged), and the others go on."""
    assert options.cluster
    ray = connect(options.cluster)
    store = open_store(options.cache_dir)
    results: list[BuildResult] = []
    rank: dict[Path, int] = {}  # each book's place in the series
    books = _prepared(paths, options, engines, log, report, failed, results, rank)
    speeches = _to_say(books, engines, store)
    progress = _Progress(speeches, len(books), log)
    tasks: dict[Any, _Book] = {}
    remote = ray.remote(num_cpus=1, max_retries=3)(_build_book) if store.shared is not None else None

    def finish(book: _Book) -> None:
        if remote is not None:
            with calls_to(options.cluster):
                tasks[remote.remote(_bundle(book), options, engines, store.shared)] = book
            return
        try:  # no shared cache: the workers' sentences are in this machine's cache, and the book is mixed here
            results.append(build(book.path, options, engines, store=store))
            report(results[-1])
        except NarrateError as exc:
            failed.append(Failed(book.path, exc.format_message()))
            log(f"error: {failed[-1].message}")
        progress.book_done()

    waiting = [b for b in books if b.keys]
    for book in [b for b in books if not b.keys]:
        finish(book)
    speaker = RaySpeaker(options.cluster, engines, log, keep_going=True, here=store.shared is None)
    for speech, got in speaker.speak(speeches, store.speech) if speeches else ():
        progress.said(speech)
        for book in list(waiting):
            if speech.key in book.keys:
                if isinstance(got, Exception):
                    failed.append(Failed(book.path, _located(got, book, speech).format_message()))
                    log(f"error: {failed[-1].message}")
                    waiting.remove(book)
                    continue
                book.keys.discard(speech.key)
                if not book.keys:
                    waiting.remove(book)
                    finish(book)
    while tasks:
        ref = wait_one(ray, list(tasks), options.cluster)
        book = tasks.pop(ref)
        try:
            files, result, tmp = ray.get(ref)
            results.append(_publish(book, files, result, tmp, store))
            report(results[-1])
        except Exception as exc:  # noqa: BLE001  # the task's NarrateError, wrapped by Ray
            failed.append(_failed_on_cluster(book, exc, options.cluster))
            log(f"error: {failed[-1].message}")
        progress.book_done()
    return sorted(results, key=lambda r: rank.get(r.manifest, len(rank)))  # in the scripts' order, as a series


def _prepared(paths: list[str], options: BuildOptions, engines: Engines, log: Callable[[str], None],
              report: Callable[[BuildResult], None], failed: list[Failed], results: list[BuildResult],
              rank: dict[Path, int]) -> list[_Book]:
    """Each script planned: the books to build; those unchanged since their last build go straight to
    ``results``, and those that cannot be built to ``failed``."""
    books = []
    for path in paths:
        try:
            ready = prepare(path, options, engines, log)
            rank[ready.job.layout.manifest] = len(rank)
        except NarrateError as exc:
            failed.append(Failed(path, exc.format_message()))
            log(f"error: {failed[-1].message}")
            continue
        if ready.unchanged:
            results.append(ready.unchanged)
            report(ready.unchanged)
        else:
            books.append(_Book(path, ready, set()))
    return books


def _failed_on_cluster(book: _Book, exc: Exception, cluster: str) -> Failed:
    """A book whose task failed: its own error, as it would be here; the build stops if the cluster itself was
    lost (Ray wraps a task's own ConnectionError as a RayTaskError that is a ConnectionError too: that one, with
    its cause, is the book's)."""
    if isinstance(exc, ConnectionError) and getattr(exc, "cause", None) is None:
        raise gone(cluster, exc) from None
    return Failed(book.path, _message(getattr(exc, "cause", None) or exc))


def _to_say(books: list[_Book], engines: Engines, store: Store) -> list[Speech]:
    """The sentences the books need that no cache has, each once, longest first; noted in each book's keys."""
    have = store.speech_keys()
    out: dict[str, Speech] = {}
    for book in books:
        for speech in book.ready.plan.unique_speeches():
            if not getattr(engines.get(speech.voice.engine), "parallel", False):
                continue  # a voice that costs next to nothing (eSpeak, Pico) or one request at a time (gTTS)
            if speech.key in have:
                continue
            book.keys.add(speech.key)
            out.setdefault(speech.key, speech)
    return sorted(out.values(), key=lambda s: -len(s.text))


def _located(exc: Exception, book: _Book, speech: Speech) -> NarrateError:
    from narrate.synth import _located as located

    own = next((s for s in book.ready.plan.unique_speeches() if s.key == speech.key), speech)
    return located(exc, book.ready.plan, own)  # type: ignore[arg-type]


def _message(exc: BaseException) -> str:
    if isinstance(exc, NarrateError):
        return exc.format_message()
    return f"{type(exc).__name__}: {exc}"


class _Progress:
    """Progress across the whole catalogue, a line at a time (at most every 5 %), with the time left."""

    def __init__(self, speeches: list[Speech], books: int, log: Callable[[str], None]) -> None:
        self.total = sum(len(s.text) for s in speeches) or 1
        self.count, self.books, self.log = len(speeches), books, log
        self.done = self.said_count = self.published = 0
        self.first: tuple[float, int] | None = None  # when the first sentence came back, and its length: the
        # rate is measured from there, not from the workers' start-up
        self.step = -1
        log(f"catalogue: {books} book{'s' if books != 1 else ''} to build, {self.count:,} sentences to say")

    def said(self, speech: Speech) -> None:
        if self.first is None:
            self.first = (time.monotonic(), len(speech.text))
        self.done += len(speech.text)
        self.said_count += 1
        step = 20 * self.done // self.total
        if step > self.step:
            self.step = step
            self._line()

    def book_done(self) -> None:
        self.published += 1
        self._line()

    def _line(self) -> None:
        left = ""
        if self.first and self.first[1] < self.done < self.total:
            since, before = self.first
            seconds = (time.monotonic() - since) * (self.total - self.done) / (self.done - before)
            left = f", about {_duration(seconds)} left"
        self.log(f"catalogue: {self.said_count:,} of {self.count:,} sentences said "
                 f"({100 * self.done // self.total} %), {self.published} of {self.books} books published{left}")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _bundle(book: _Book) -> dict[str, Any]:
    """What a task needs to build a book on another machine: the script and every file it uses (paths
    relative to the folder holding them all), and the last build record, for its mastering state."""
    script = Path(book.path).resolve()
    files = [script, *(Path(f).resolve() for f in used_files(book.ready.job.script))]
    base = Path(os.path.commonpath([str(f.parent) for f in files]))
    manifest = book.ready.job.layout.manifest
    return {
        "base": str(base),
        "script": script.relative_to(base).as_posix(),
        "files": {f.relative_to(base).as_posix(): f.read_bytes() for f in files if f.is_file()},
        "stem": book.ready.job.layout.stem,
        "manifest": manifest.read_bytes() if book.ready.previous and manifest.exists() else None,
    }


def _build_book(bundle: dict[str, Any], options: BuildOptions, engines: Engines, shared: Any
                ) -> tuple[dict[str, bytes], BuildResult, str]:
    """On a worker: build one book from its bundle in a temporary folder; its files, its result, and the
    folder it was built in (to map its paths back)."""
    import shutil

    from narrate.cache import default_dir

    tmp = Path(tempfile.mkdtemp(prefix="narrate-book-"))
    try:
        for rel, data in bundle["files"].items():
            (tmp / "in" / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / "in" / rel).write_bytes(data)
        folder = tmp / "out" / bundle["stem"]
        if bundle["manifest"] is not None:
            folder.mkdir(parents=True)
            (folder / f"{bundle['stem']}.manifest.json").write_bytes(bundle["manifest"])
        store = Store(default_dir(), shared)
        store.share_records = False  # the calling machine records the build, under its own paths
        here = dataclasses.replace(options, output=str(tmp / "out"), cache_dir=None, cluster=None, jobs=1,
                                   allow=(str(tmp / "in"),) if options.allow else ())
        result = build(str(tmp / "in" / bundle["script"]), here, engines, store=store)
        files = {p.relative_to(tmp / "out").as_posix(): p.read_bytes() for p in sorted((tmp / "out").rglob("*"))
                 if p.is_file() and not p.name.startswith(".")}
        return files, result, str(tmp)
    except NarrateError as exc:  # the paths it names are the calling machine's
        raise NarrateError(exc.format_message().replace(str(tmp / "in"), bundle["base"])) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _publish(book: _Book, files: dict[str, bytes], result: BuildResult, tmp: str, store: Store) -> BuildResult:
    """Publish a book built elsewhere: all its files at once, its build record under this machine's paths."""
    layout = book.ready.job.layout
    plan = book.ready.plan
    record = BuildRecord.from_json(files[f"{layout.stem}/{layout.manifest.name}"])
    if record is not None:
        record = dataclasses.replace(record, script=plan.path, inputs=book.ready.inputs)
        files[f"{layout.stem}/{layout.manifest.name}"] = record.to_json()
    targets = [layout.root / rel for rel in files]
    kept: list[Path] = []
    with published_all(targets, kept) as temps:
        for temp, data in zip(temps, files.values()):
            temp.write_bytes(data)
    store.record_use(str(layout.manifest.absolute()), {s.key for s in plan.speeches()})
    return _rebased(result, Path(tmp) / "out", layout.root)


def _rebased(result: BuildResult, old: Path, new: Path) -> BuildResult:
    """The result of a build made under ``old``, as if made under ``new``."""

    def move(value: Any) -> Any:
        if isinstance(value, Path) and value.is_relative_to(old):
            return new / value.relative_to(old)
        return value

    layout = dataclasses.replace(result.layout, root=new, folder=move(result.layout.folder))
    return dataclasses.replace(
        result, output=move(result.output), manifest=move(result.manifest), layout=layout,
        outputs={k: move(v) for k, v in result.outputs.items()}, files=tuple(move(f) for f in result.files),
    )
