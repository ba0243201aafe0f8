"""The cast: a voice for every speaker the script gives none, unlike the narrator's and every other speaker's.

A speaker declared with no voice of its own (no name, model or engine; a speed alone is not a voice) is cast from
the offline voices installed in the script's language: the script's accent (en-GB), else the narrator's, first,
each in turn the gender least heard so far, in the order of the voices' quality. A speaker declared with a
gender is cast a natural voice of it while there is one, shared with the fewest other speakers when every one is
taken (never the narrator's), and with the speakers declared last (the importer declares the speakers with
most lines first), before a robotic voice. The choice depends only on the
script and the voices installed, so it is the same from build to build.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from narrate.engines import Engines, ResolvedVoice, VoiceInfo
from narrate.errors import EngineError, ScriptError
from narrate.inputs import check_inside
from narrate.phrases import primary
from narrate.script import Meta, Script, Speaker, VoiceSettings

# hibari's and Kokoro's voices by quality (Kokoro's authors' grades), best first; heart before its teacher, as
# cheaper and heard as well; a voice not listed comes after these, by name
PREFERRED = ("heart", "af_heart", "emma", "bf_emma", "fenrir", "kore", "fable", "am_michael", "af_bella",
             "am_fenrir", "bm_george", "bm_fable", "ff_siwis", "ef_dora", "em_alex", "if_sara", "im_nicola",
             "pf_dora", "pm_alex", "hf_alpha", "hm_omega", "joe", "pico_de", "pico_en_us", "pico_en_gb", "pico_es",
             "pico_fr", "pico_it")


LAST_RESORT = ("pico", "espeak")  # robotic voices, better first: cast only when no natural one is free


def robotic(voice: VoiceInfo) -> int:
    """0 for a natural voice; then Pico's, then eSpeak's, as a language's voice is chosen."""
    return LAST_RESORT.index(voice.engine) + 1 if voice.engine in LAST_RESORT else 0


def no_voice(language: str, offline: list[VoiceInfo], path: str, line: int) -> ScriptError:
    """The error for a language no voice installed speaks, with the languages that are (or how many)."""
    have = sorted({v.language for v in offline})
    listed = f"installed: {', '.join(have)}" if len(have) <= 12 else f"{len(have)} languages are installed"
    return ScriptError(f"no voice installed speaks '{language}' ({listed}); 'narrate voices' lists them", path, line)


def _rank(voice: VoiceInfo) -> tuple[int, str]:
    return (PREFERRED.index(voice.name) if voice.name in PREFERRED else len(PREFERRED), voice.name)


def speaks(voice: VoiceInfo, language: str) -> bool:
    """Whether a voice speaks ``language`` ('en' takes any English; the accent is weighed in the cast)."""
    return primary(voice.language) == primary(language)


DEFAULT_ACCENTS = ("en", "en-us")  # what the default narrator (hibari's heart, American) speaks as it is


def cast_speakers(meta: Meta, engines: Engines, path: str = "") -> Meta:
    """``meta`` with a narrator in the script's language and accent, where the script names none (English and
    American English keep the default, heart), and a voice for each speaker declared without one, never one
    that sounds like a voice already heard. ScriptError if no voice installed speaks the language."""
    choose_narrator = "voice" not in dict(meta.lines) and meta.language.lower() not in DEFAULT_ACCENTS
    if not choose_narrator and not any(s.cast for s in meta.speakers):
        return meta
    offline = [v for v in engines.catalogue() if v.cost > 0 and speaks(v, meta.language)]
    if choose_narrator:
        if not offline:
            raise no_voice(
                meta.language, [v for v in engines.catalogue() if v.cost > 0], path, meta.line_of("language")
            )
        best = min(offline, key=lambda v: (robotic(v), v.language.lower() != meta.language.lower(),
                                           _rank(v)))
        meta = replace(meta, voice=replace(meta.voice, engine=best.engine, model=best.name))
    by_name = {v.name: v for v in offline}
    narrator = by_name.get(meta.voice.model)
    # the script's own accent where its language names one (en-GB), else the narrator's
    accent = meta.language if "-" in meta.language or not narrator else narrator.language
    taken = _sounds({meta.voice.model} | {s.voice.model for s in meta.speakers if not s.cast}, engines)
    heard = [narrator.gender] if narrator else []
    heard += [by_name[s.voice.model].gender for s in meta.speakers if not s.cast and s.voice.model in by_name]
    out: list[Speaker] = []
    like = _likeness(engines)
    for speaker in meta.speakers:
        if not speaker.cast:
            out.append(speaker)
            continue
        # every voice taken: a speaker's, the least shared, before the narrator's
        narrators = _sounds({meta.voice.model}, engines)
        free = [v for v in offline if v.sounds_like not in taken] or \
            [v for v in offline if v.sounds_like not in narrators] or offline
        if not free:  # no offline voice speaks the language: the speaker keeps the default voice
            out.append(speaker)
            continue
        want = speaker.gender or min(("female", "male"), key=lambda g: (heard.count(g), g != "female"))
        shared = [like.get(s.voice.model, s.voice.model) for s in out]  # heard as: heart is af_heart
        if speaker.gender:  # a voice of their gender: a natural one, even shared (never the narrator's), first
            free = [v for v in offline if v.sounds_like not in narrators] or free
        choice = min(free, key=lambda v: (v.gender != speaker.gender if speaker.gender else False, robotic(v) > 0,
                                          v.gender != want, v.sounds_like in taken, shared.count(v.sounds_like),
                                          -_last(shared, v.sounds_like), robotic(v), v.language != accent, _rank(v)))
        taken.add(choice.sounds_like)
        heard.append(choice.gender)
        voice = replace(speaker.voice, engine=choice.engine, model=choice.name)
        out.append(replace(speaker, voice=voice))
    return replace(meta, speakers=tuple(out))


def _last(names: list[str], name: str) -> int:
    """Where ``name`` was last given in ``names``; -1 if never."""
    return max((k for k, n in enumerate(names) if n == name), default=-1)


def _likeness(engines: Engines) -> dict[str, str]:
    """Each voice installed -> the voice it is heard as (VoiceInfo.sounds_like)."""
    return {v.name: v.sounds_like for v in engines.catalogue()}


def _sounds(names: set[str], engines: Engines) -> set[str]:
    """The voices heard when ``names`` are: each name, and the voice each was made to sound like."""
    like = _likeness(engines)
    return names | {like[n] for n in names if n in like}


def shared_voices(meta: Meta, engines: Engines) -> list[tuple[Speaker, str, str]]:
    """Each speaker who would sound like the narrator or a speaker declared before it: whose, and that one's
    voice where it is another voice made from the same (hibari's heart from Kokoro's af_heart), else ''."""
    like = _likeness(engines)
    seen = {like.get(meta.voice.model, meta.voice.model): ("the narrator", meta.voice.model)}
    out = []
    for speaker in meta.speakers:
        timbre = like.get(speaker.voice.model, speaker.voice.model)
        if timbre not in seen:
            seen[timbre] = (speaker.name, speaker.voice.model)
            continue
        who, model = seen[timbre]
        out.append((speaker, who, "" if model == speaker.voice.model else model))
    return out


class Voices:
    """Resolve each distinct VoiceSettings once, at the reading rate, reporting errors where the voice was set."""

    def __init__(self, script: Script, engines: Engines, allow: tuple[str | Path, ...] = (), rate: float = 1.0) -> None:
        self.script, self.engines, self.allow, self.rate = script, engines, allow, rate
        self.base_dir, self.path = Path(script.path).parent, script.path
        self._done: dict[VoiceSettings, ResolvedVoice] = {}
        self._symbols: dict[ResolvedVoice, frozenset[str] | None] = {}
        self.switched: dict[tuple[VoiceSettings, str], tuple[VoiceSettings, int]] = {}  # -> the voice, first line

    def in_language(self, voice: VoiceSettings, language: str, line: int) -> VoiceSettings:
        """The voice that reads, for ``voice``, a passage in ``language``: ``voice`` itself if it speaks it, else
        a voice of that language: one nobody else is heard in while one is free, natural before robotic (Pico's
        before eSpeak's), the same gender, the language's own accent, the best. The same choice every build;
        ScriptError if no voice speaks it."""
        if (voice, language) in self.switched:
            return self.switched[voice, language][0]
        if voice.engine == "gtts":  # Google speaks any language it is asked to
            return replace(voice, lang=primary(language))
        offline = [v for v in self.engines.catalogue() if v.cost > 0]
        own = next((v for v in offline if v.name == voice.model and v.engine == voice.engine), None)
        if own is None or speaks(own, language):
            return voice
        these = [v for v in offline if speaks(v, language)]
        if not these:
            raise no_voice(language, offline, self.path, line)
        meta = self.script.meta  # every voice heard already: the narrator's, the speakers', the passages'
        taken = _sounds({meta.voice.model} | {s.voice.model for s in meta.speakers} |
                        {chosen.model for chosen, _ in self.switched.values()}, self.engines)
        best = min(these, key=lambda v: (v.sounds_like in taken, robotic(v), v.gender != own.gender,
                                         v.language.lower() != language.lower(), _rank(v)))
        chosen = replace(voice, engine=best.engine, model=best.name, lang=primary(language))
        self.switched[voice, language] = (chosen, line)
        return chosen

    def __call__(self, voice: VoiceSettings) -> ResolvedVoice:
        if voice not in self._done:
            try:
                engine = self.engines.get(voice.engine)
                # a slower reading is a slower voice: a new speed, so new cache entries
                at_rate = replace(voice, speed=round(voice.speed * self.rate, 3)) if self.rate != 1.0 else voice
                self._done[voice] = engine.resolve(at_rate, self.base_dir)
            except EngineError as exc:
                if self.rate != 1.0:
                    exc.message += f" (the reading rate {self.rate:g} changes every voice's speed)"
                raise exc.located(self.path, voice.line or 1) from exc
            for name in self._done[voice].files:
                check_inside(self.script, Path(name), f"voice file {Path(name).name}", voice.line or 1, self.allow)
            try:  # read only once they are known to be the script's own
                getattr(self.engines.get(voice.engine), "check_files", lambda _: None)(self._done[voice])
            except EngineError as exc:
                del self._done[voice]
                raise exc.located(self.path, voice.line or 1) from exc
        return self._done[voice]

    def symbols(self, voice: ResolvedVoice) -> frozenset[str] | None:
        """The phoneme symbols ``voice`` reads in [[ ]], for an engine that can tell (None: it cannot)."""
        if voice not in self._symbols:
            engine = self.engines.get(voice.engine)
            self._symbols[voice] = engine.phoneme_symbols(voice) if hasattr(engine, "phoneme_symbols") else None
        return self._symbols[voice]


def foreign_voices(meta: Meta, engines: Engines) -> list[tuple[str, str, str, int]]:
    """Each voice whose language is not the script's: (who, voice, its language, the line that names it)."""
    by_name = {v.name: v for v in engines.catalogue() if v.cost > 0}
    out = []
    for who, voice, line in [("the narrator", meta.voice, meta.line_of("voice")),
                             *((s.name, s.voice, s.line) for s in meta.speakers)]:
        info = by_name.get(voice.model)
        if info and not speaks(info, meta.language):
            out.append((who, voice.model, info.language, line))
    return out
