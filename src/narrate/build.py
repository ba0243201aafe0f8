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
from dataclasses import dataclass
from pathlib import Path

from narrate.audio import RATE
from narrate.cache import Store, open_store
from narrate.changes import ChangeReport, compare
from narrate.encoding import PieceMeter
from narrate.engines import Engines
from narrate.errors import ExportError
from narrate.export.books import BOOKS
from narrate.export.formats import FORMATS, AudioFormat, bytes_per_second, chapter_limits
from narrate.export.layout import Layout, episode_layout
from narrate.files import check_room
from narrate.inputs import check_files, cover_warnings, load_script, used_files
from narrate.master import MasterJob
from narrate.mix import mix_episode
from narrate.options import BuildHooks, BuildOptions
from narrate.plan import Plan, edition_name, estimated_seconds, plan_episode, speaking_seconds
from narrate.publish import Outputs, Provenance, publish_episode
from narrate.record import (
    BuildRecord, Show, chapter_records, engines_used, files_intact, fingerprint, sentence_records, settings_record,
)
from narrate.result import BuildResult, Cost
from narrate.script import Script
from narrate.tour import Tour, load_tour
from narrate.speaking import speak
from narrate.synth import Speaker, SynthStats


@dataclass(frozen=True)
class _Job:
    """A build's inputs, checked: the script, where its files go, and what is made of it."""

    script: Script
    layout: Layout
    cover: Path | None
    formats: tuple[str, ...]  # the audio formats, the main one first
    books: tuple[str, ...]  # the talking books (and the walk), made from the same master
    tour: Tour | None  # the script's stops, checked
    base_url: str | None
    rate: float


def build(script_path: str, options: BuildOptions = BuildOptions(), engines: Engines | None = None,
          hooks: BuildHooks = BuildHooks(), speaker: Speaker | None = None, store: Store | None = None) -> BuildResult:
    """Build one episode for a script: every audio format from one mix, its sidecars, page and build record.

    Only what changed since the last build is made again, and only files whose content changed are rewritten
    (``options.fresh`` masters and encodes everything anew). Synthesis runs in spawned worker processes, so a
    Python script that calls ``build`` must keep its top level under ``if __name__ == "__main__":``.
    A ``speaker`` (narrate.cluster.RaySpeaker) speaks instead of the worker processes; a ``store`` is used
    instead of the one ``options.cache_dir`` names.
    """
    started = time.perf_counter()
    engines = engines or Engines()
    ready = prepare(script_path, options, engines, hooks.log)
    if ready.unchanged:
        return ready.unchanged
    job, plan, inputs, previous, layout = ready.job, ready.plan, ready.inputs, ready.previous, ready.job.layout
    store = store or open_store(options.cache_dir)
    _check_room(layout.folder, store, plan, [FORMATS[f] for f in job.formats])
    stages = [("inputs and plan", time.perf_counter() - started)]
    mark = time.perf_counter()
    state = None if options.fresh or previous is None else previous.mastering
    made_before = set(store.made["mix"])  # chapter analyses: those this build makes, streaming or mastering
    with PieceMeter(store) as meter:  # the MP3 measured as its pieces are made
        # 3. synthesise; a long episode mastered afresh is mixed, analysed and encoded chapter by chapter meanwhile
        spoken = speak(plan, job.script, [FORMATS[f] for f in job.formats], engines, store, state, meter, options.jobs,
                       hooks, speaker)
        stages.append(("synthesis", time.perf_counter() - mark))
        mark = time.perf_counter()
        # 4. mix: the timeline, levels, fades and ducking (audio is rendered later, chapter by chapter)
        reference = spoken.pins.reference if spoken.pins else (state or {}).get("reference_lufs")
        episode = mix_episode(plan, spoken.clips, spoken.sounds, reference=reference)
        timeline = episode.timeline
        facts = Provenance(
            inputs, settings_record(plan, list(job.formats), job.base_url),
            chapter_records(plan, timeline, [episode.region_key(i) for i in range(len(episode.layouts))]),
            sentence_records(plan, timeline), engines_used(plan, engines),
        )
        changes = compare(previous, facts.chapters, facts.sentences, facts.settings)
        stages.append(("mix", time.perf_counter() - mark))
        mark = time.perf_counter()
        # 5-7. master and encode, publish every file, and write the build record
        outputs = Outputs(layout, tuple(FORMATS[f] for f in job.formats), job.cover, job.base_url, job.books, job.tour)
        written = publish_episode(plan, episode, outputs, facts, previous,
                                  MasterJob(store, state, hooks.log, spoken.pins, meter))
    store.record_use(str(layout.manifest.absolute()), {s.key for s in plan.speeches()})
    for line in damage_report(store.damaged, plan, facts.chapters):
        hooks.log(line)
    m, stats = written.mastered, spoken.stats
    stages += [*m.seconds, ("tags, sidecars, page, record", time.perf_counter() - mark - sum(t for _, t in m.seconds))]
    return BuildResult(
        output=written.audio[job.formats[0]], timeline=timeline, stats=stats, loudness=m.loudness,
        manifest=layout.manifest, layout=layout, show=written.show, edition=options.edition, outputs=written.audio,
        files=written.files, base_url=job.base_url, changes=changes,
        cost=Cost(stats.synthesised, stats.total, _analysed(facts, store.made["mix"] - made_before), m.encoded,
                  m.whole, len(plan.chapters), tuple(p.name for p in written.rewritten),
                  tuple(p.name for p in written.kept), m.kept_master, m.encoded_seconds),
        seconds=tuple(stages),
    )


@dataclass(frozen=True)
class Prepared:
    """A build's first two stages done: its inputs checked and its plan made; ``unchanged`` when there is
    nothing more to do (the last build had the same inputs, and its files are intact)."""

    job: _Job
    plan: Plan
    inputs: str  # the fingerprint
    previous: BuildRecord | None
    unchanged: BuildResult | None


def prepare(script_path: str, options: BuildOptions, engines: Engines, log: Callable[[str], None]) -> Prepared:
    """Read and check a script and every file it names, and plan it; say whether anything changed."""
    # 1. inputs: the script and every file it names, checked before anything slow
    job = _inputs(script_path, options, log)
    # 2. plan: what each chapter says, by which voice, under which cache key
    plan = plan_episode(job.script, engines, options.edition, options.allow, job.rate)
    if plan.meta.voice != job.script.meta.voice:  # the script names no voice, and is not in English
        log(f"voice: {plan.meta.voice.model} reads this script in its language, {plan.meta.language} "
            "('voice:' in the front matter chooses another)")
    for who, voice, language, line in plan.switches:
        log(f"voice: {voice} reads {who}'s passages in {language} (from line {line})")
    layout = job.layout
    previous = BuildRecord.read(layout.manifest)
    inputs = fingerprint(plan, {"edition": options.edition, "formats": list(job.formats), "books": job.books,
                                "base_url": job.base_url, "stem": layout.stem, "page": layout.page},
                         used_files(job.script))
    unchanged = None
    if not options.fresh and previous and previous.inputs == inputs and files_intact(previous, layout.folder):
        unchanged = _unchanged(job, plan, previous, options.edition)
    return Prepared(job, plan, inputs, previous, unchanged)


def _inputs(script_path: str, options: BuildOptions, log: Callable[[str], None]) -> _Job:
    """Read the script, check every file it names, and settle what is made and where; warnings go to ``log``."""
    script = load_script(script_path)
    rate = script.meta.rate if options.rate is None else options.rate
    layout, named = episode_layout(script_path, options.output, edition_name(options.edition, rate))
    cover = check_files(script, options.allow)
    chosen = list(options.formats or script.meta.formats)
    books = tuple(f for f in chosen if f in BOOKS)
    tour = load_tour(script, options.allow, walk="walk" in books)
    chosen = [f for f in chosen if f not in BOOKS] or ["mp3"]  # the episode itself is always made
    if named:  # the file named on the command line is the main one
        chosen = [named] + [f for f in chosen if f != named]
    too_many, warnings = chapter_limits(chosen, len(script.chapters))
    if too_many and options.formats:
        raise ExportError(f"--format {','.join(chosen)}: {too_many[0]}", script.path)
    if too_many:
        raise ExportError(too_many[0], script.path, script.meta.line_of("formats"))
    base_url = options.base_url or script.meta.podcast.base_url
    if "walk" in books and not base_url:
        warnings.append(f"warning: {script.path}: the walk's tour.gpx links each leg's audio by a relative "
                        "address, which Soundscape cannot fetch: give the script a 'base_url' (under 'podcast:') "
                        "where the build will be served")
    for line in warnings + (cover_warnings(script, cover) if cover else []) + list(tour.warnings if tour else ()):
        log(line)
    return _Job(script, layout, cover, tuple(chosen), books, tour, base_url, rate)


def _analysed(facts: Provenance, made: set[str]) -> tuple[int, ...]:
    """The chapters whose mix this build rendered and measured anew: while it spoke, or as it mastered."""
    return tuple(c.number for c in facts.chapters if c.mix_key in made)


def _unchanged(job: _Job, plan: Plan, previous: BuildRecord, edition: str) -> BuildResult:
    """The result of a build that found nothing changed since the last one, and so did nothing."""
    total = len(plan.unique_speeches())
    layout = job.layout
    return BuildResult(
        output=layout.path(FORMATS[job.formats[0]].suffix), timeline=None, stats=SynthStats(total, 0), loudness=None,
        manifest=layout.manifest, layout=layout, show=Show.of(plan), edition=edition, base_url=job.base_url,
        outputs={f: layout.path(FORMATS[f].suffix) for f in job.formats},
        changes=ChangeReport(False, previous.built), cost=Cost(0, total, kept=tuple(previous.files)),
    )


def damage_report(damaged: list[tuple[str, str]], plan: Plan, chapters: tuple) -> list[str]:
    """One warning for each damaged cache entry this build found (and so made again)."""
    lines = {s.key: s.line for s in plan.speeches()}
    mixes = {c.mix_key: c.number for c in chapters}
    out = []
    for kind, key in dict.fromkeys(damaged):
        if kind == "speech":
            out.append(f"warning: cache entry for line {lines.get(key, '?')} was damaged; synthesised again")
        elif kind == "words":
            out.append(f"warning: cache entry for the word times of line {lines.get(key, '?')} was damaged; "
                       "synthesised again")
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
