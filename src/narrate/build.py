"""The orchestrator: one episode from one script, as a script of stages.

    inputs -> plan -> synthesise -> mix -> master and encode -> publish -> record

Every mistake in the script or the files it names is reported before the first
slow step (narrate.inputs), and nothing lands in the output folder unless every
file was written (narrate.publish). A build redoes only what changed:
the build record's fingerprint says when nothing did.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from narrate.cache import Store, default_dir
from narrate.changes import ChangeReport, compare
from narrate.engines import Engines
from narrate.errors import ExportError, NarrateError
from narrate.publish import Outputs, Provenance, publish_episode
from narrate.audio import RATE
from narrate.export.books import BOOKS
from narrate.export.formats import FORMATS, AudioFormat, bytes_per_second, chapter_limits
from narrate.files import check_room
from narrate.export.layout import episode_layout
from narrate.inputs import check_files, cover_warnings, load_script, load_sounds, used_files
from narrate.clips import Clips
from narrate.encoding import PieceMeter
from narrate.master import MasterJob, loudness_target
from narrate.stream import Streamer
from narrate.mix import mix_episode
from narrate.plan import EDITIONS, Plan, edition_name, estimated_seconds, plan_episode, speaking_seconds
from narrate.record import (
    BuildRecord, EngineUse, Show, chapter_records, files_intact, fingerprint, sentence_records, settings_record,
)
from narrate.result import BuildResult, Cost
from narrate.synth import SynthStats, default_jobs, synthesize


def build(
    script_path: str,
    output: str | None = None,
    cache_dir: Path | None = None,
    engines: Engines | None = None,
    progress: Callable[[int, int], None] | None = None,
    edition: str = "full",
    log: Callable[[str], None] | None = None,
    formats: tuple[str, ...] | None = None,
    base_url: str | None = None,
    fresh: bool = False,
    allow: tuple[str | Path, ...] = (),
    jobs: int | None = None,
    chapters_done: Callable[[int, int], None] | None = None,
    rate: float | None = None,
) -> BuildResult:
    """Build one episode for a script: every audio format from one mix, its sidecars, page and build record.

    ``formats`` and ``base_url`` override the script's 'formats' and 'podcast: base_url'.
    Only what changed since the last build is made again, and only files whose
    content changed are rewritten; ``fresh`` masters and encodes everything anew
    (the sentences still come from the cache). Files outside the script's folder are refused unless
    under an ``allow`` folder. ``jobs`` worker processes synthesise (default: one per core); they are
    spawned, so a Python script that calls ``build`` must keep its top level under ``if __name__ == "__main__":``.
    ``progress(done, total)`` follows the sentences, and ``chapters_done(n, total)`` the chapters all spoken.
    ``rate`` reads the script slower or faster (default: its 'rate' setting), as an edition of its own.
    """
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}")
    started = time.perf_counter()
    # 1. inputs: the script and every file it names, checked before anything slow
    script = load_script(script_path)
    rate = script.meta.rate if rate is None else rate
    layout, named = episode_layout(script_path, output, edition_name(edition, rate))
    cover = check_files(script, allow)
    chosen = list(formats or script.meta.formats)
    books = tuple(f for f in chosen if f in BOOKS)  # talking books, made from the same master
    chosen = [f for f in chosen if f not in BOOKS] or ["mp3"]  # the episode itself is always made
    if named:  # the file named on the command line is the main one
        chosen = [named] + [f for f in chosen if f != named]
    base_url = base_url or script.meta.podcast.base_url
    say = log or (lambda _: None)
    too_many, warnings = chapter_limits(chosen, len(script.chapters))
    if too_many and formats:
        raise ExportError(f"--format {','.join(chosen)}: {too_many[0]}", script.path)
    if too_many:
        raise ExportError(too_many[0], script.path, script.meta.line_of("formats"))
    for line in warnings + (cover_warnings(script, cover) if cover else []):
        say(line)
    engines = engines or Engines()
    # 2. plan: what each chapter says, by which voice, under which cache key
    plan = plan_episode(script, engines, edition, allow, rate)
    previous = BuildRecord.read(layout.manifest)
    inputs = fingerprint(plan, {"edition": edition, "formats": chosen, "books": books, "base_url": base_url,
                                "stem": layout.stem, "page": layout.page}, used_files(script))
    total = len(plan.unique_speeches())
    if not fresh and previous and previous.inputs == inputs and files_intact(previous, layout.folder):
        return BuildResult(
            output=layout.path(FORMATS[chosen[0]].suffix), timeline=None, stats=SynthStats(total, 0), loudness=None,
            manifest=layout.manifest, layout=layout, show=Show.of(plan), edition=edition, base_url=base_url,
            outputs={f: layout.path(FORMATS[f].suffix) for f in chosen},
            changes=ChangeReport(False, previous.built), cost=Cost(0, total, kept=tuple(previous.files)),
        )
    store = Store(cache_dir or default_dir())
    _check_room(layout.folder, store, plan, [FORMATS[f] for f in chosen])
    stages = [("inputs and plan", time.perf_counter() - started)]
    mark = time.perf_counter()
    # 3. synthesise (the sounds are decoded meanwhile)
    import scipy.signal  # noqa: F401  # here, before two threads need it: scipy's lazy imports race

    state = None if fresh or previous is None else previous.mastering
    with PieceMeter(store) as meter:  # the MP3 measured as its pieces are made
        with ThreadPoolExecutor(2) as pool:
            loading = pool.submit(load_sounds, script, edition)
            count = _counter(total, progress)
            # a long episode mastered afresh is mixed, analysed and encoded chapter by chapter meanwhile
            streamer = Streamer(plan, store, [FORMATS[f] for f in chosen], loading, loudness_target(plan),
                                plan.meta.mix.true_peak, meter) if state is None else None

            def advance(n: int) -> None:
                count(n)
                if loading.done() and loading.exception():  # a sound that cannot be decoded stops the build now
                    loading.result()

            def ready(n: int, clips: Clips) -> None:
                if streamer:
                    streamer.ready(n, clips)
                if chapters_done:
                    chapters_done(n, len(plan.chapters))
            try:
                clips, stats = synthesize(plan, engines, store.speech, advance, store.clip_energies,
                                          jobs or default_jobs(), ready)
                engines.release()
                sounds = loading.result()
            except BaseException:
                if streamer:
                    streamer.stop()
                raise
            pins = streamer.finish(clips) if streamer else None
        stages.append(("synthesis", time.perf_counter() - mark))
        mark = time.perf_counter()
        # 4. mix: the timeline, levels, fades and ducking (audio is rendered later, chapter by chapter)
        reference = pins.reference if pins else (state or {}).get("reference_lufs")
        episode = mix_episode(plan, clips, sounds, reference=reference)
        timeline = episode.timeline
        facts = Provenance(
            inputs, settings_record(plan, chosen, base_url),
            chapter_records(plan, timeline, [episode.region_key(i) for i in range(len(episode.layouts))]),
            sentence_records(plan, timeline), _engines_used(plan, engines),
        )
        changes = compare(previous, facts.chapters, facts.sentences, facts.settings)
        stages.append(("mix", time.perf_counter() - mark))
        mark = time.perf_counter()
        # 5-7. master and encode, publish every file, and write the build record
        written = publish_episode(plan, episode, Outputs(layout, tuple(FORMATS[f] for f in chosen), cover, base_url, books),
                                 facts, previous, MasterJob(store, state, say, pins, meter))
        store.record_use(str(layout.manifest.absolute()), {s.key for s in plan.speeches()})
        for line in damage_report(store.damaged, plan, facts.chapters):
            say(line)
        m = written.mastered
        stages += [*m.seconds, ("tags, sidecars, page, record", time.perf_counter() - mark - sum(t for _, t in m.seconds))]
        return BuildResult(
            output=written.audio[chosen[0]], timeline=timeline, stats=stats, loudness=m.loudness,
            manifest=layout.manifest, layout=layout, show=written.show, edition=edition, outputs=written.audio,
            files=written.files, base_url=base_url, changes=changes,
            cost=Cost(stats.synthesised, stats.total, m.analysed, m.encoded, m.whole, len(plan.chapters),
                      tuple(p.name for p in written.rewritten), tuple(p.name for p in written.kept), m.kept_master,
                      m.encoded_seconds),
            seconds=tuple(stages),
        )


def damage_report(damaged: list[tuple[str, str]], plan: Plan, chapters: tuple) -> list[str]:
    """One warning for each damaged cache entry this build found (and so made again)."""
    lines = {s.key: s.line for s in plan.speeches()}
    mixes = {c.mix_key: c.number for c in chapters}
    out = []
    for kind, key in dict.fromkeys(damaged):
        if kind == "speech":
            out.append(f"warning: cache entry for line {lines.get(key, '?')} was damaged; synthesised again")
        elif kind == "level":
            out.append(f"warning: cache entry for the levels of line {lines.get(key, '?')} was damaged; measured again")
        elif kind == "mix":
            out.append(f"warning: cache entry for chapter {mixes.get(key, '?')}'s analysis was damaged; measured again")
        else:
            out.append("warning: a cached piece of encoded MP3 was damaged; encoded again")
    return out


def _check_room(folder: Path, store: Store, plan: Plan, formats: list[AudioFormat]) -> None:
    """Fail before any audio work if the output folder or the cache cannot be written or has no room:
    for every format, the raw mix that corrections are made from (when a format is encoded whole), and
    a margin; in the cache, the sentences still to synthesise (16-bit WAV) and their MP3 pieces."""
    seconds = estimated_seconds(plan)
    channels = plan.meta.mix.channels
    need = sum(bytes_per_second(f, channels) for f in formats) * seconds
    if any(f.name != "mp3" for f in formats):
        need += 2 * channels * RATE * seconds
    check_room(folder, int(need * 1.2) + 10_000_000, "output folder")
    new = [s for s in plan.unique_speeches() if not store.speech.path(s.key).exists()]
    check_room(store.root, int(speaking_seconds(new) * (2 * 24000 + 16000) * 1.2), "cache")


def _counter(total: int, progress: Callable[[int, int], None] | None) -> Callable[[int], None]:
    """Turns synthesis's 'n more done' into progress(done, total)."""
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    return advance


def _engines_used(plan: Plan, engines: Engines) -> tuple[EngineUse, ...]:
    """Each engine and voice the plan speaks with, and the engine's version as the engine reports it."""
    versions = {}
    for name in sorted({s.voice.engine for s in plan.speeches()}):
        try:
            engine = engines.get(name)
            versions[name] = engine.version() if hasattr(engine, "version") else "unknown"
        except NarrateError:
            versions[name] = "unknown"
    used = sorted({(s.voice.engine, s.voice.label) for s in plan.speeches()})
    return tuple(EngineUse(e, v, versions.get(e, "unknown")) for e, v in used)
