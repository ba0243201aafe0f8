"""The script as narrate understands it: frozen dataclasses, with the line of everything in it.

The two parsers fill it: ``front_matter`` (the YAML block) and ``body`` (the Markdown).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

NO_SOUND = ("none", "off")  # 'ambient: none' silences a leg's bed
FORMATS = (
    "mp3",
    "m4b",
    "opus",
    "daisy",
    "epub",
    "walk",
)  # audio files (export.formats), then books and the walk (export.books)


@dataclass(frozen=True)
class VoiceSettings:
    """How one voice sounds; which fields matter depends on the engine."""

    engine: str = "hibari"
    model: str = "heart"  # hibari's natural English voice, in its wheel: the narrator when a script names none
    speed: float = 1.0
    lang: str = "en"
    tld: str = "com"
    line: int = 0


@dataclass(frozen=True)
class Speaker:
    """A named speaker whose quotations may use their own voice."""

    name: str
    voice: VoiceSettings
    line: int
    cast: bool = False  # declared with no voice of its own: narrate.casting gives it one
    gender: str | None = None  # 'female' or 'male': the voice it is cast (None: whichever the cast lacks)


@dataclass(frozen=True)
class MixSettings:
    """How the episode is mixed: the front matter's 'mix:' mapping (every key optional)."""

    bed_level: float = -20.0  # LU: the bed in pauses, relative to the speech's loudness
    ducking: float = 10.0  # dB the bed drops under the voice
    fade: float = 2.0  # s: a bed fades in and out over this where there is no neighbour
    crossfade: float = 3.0  # s: consecutive legs' beds crossfade over this
    cue: str | None = "chime"  # the sound before each chapter, or None
    intro: str | None = "intro"  # the opening sting (None: no sting and no spoken title)
    outro: str | None = "outro"  # the closing sting (None: no sting and no spoken close)
    close: str | None = None  # the spoken close; None: 'This was <title>, by <author>. ...'
    loudness: float | None = None  # LUFS; None: -16 for stereo, -19 for mono
    true_peak: float = -1.0  # dBTP ceiling
    channels: int = 2


@dataclass(frozen=True)
class PodcastSettings:
    """The front matter's 'podcast:' mapping: where the episode is published, and the feed's details.

    The show-wide fields (base_url, title, description, category, explicit, email, type)
    describe the feed's channel; episode, season and guid describe this episode's item.
    """

    base_url: str | None = None  # the URL the output folder is served from
    title: str | None = None  # the show's name; default: album, else title
    description: str | None = None  # the show's description; default: description
    category: str | None = None  # an Apple Podcasts category, 'Society & Culture' or 'History'
    explicit: bool = False
    email: str | None = None  # the owner's address, shown to directories only
    type: str = "episodic"  # or 'serial': episodes are meant to be heard in order
    episode: int | None = None
    season: int | None = None
    guid: str | None = None  # the item's permanent id; default: derived from base_url and file name


@dataclass(frozen=True)
class Meta:
    """The episode's front matter."""

    title: str
    author: str | None = None
    album: str | None = None
    description: str | None = None
    language: str = "en"
    date: _dt.date | None = None
    cover: str | None = None
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    pronunciations: tuple[tuple[str, str], ...] = ()  # name -> how every engine says it (a respelling)
    phonemes: tuple[tuple[str, str], ...] = ()  # name -> its IPA phonemes, for Piper (wins over the respelling there)
    speakers: tuple[Speaker, ...] = ()
    ambient: str | None = None
    mix: MixSettings = field(default_factory=MixSettings)
    formats: tuple[str, ...] = ("mp3",)
    rate: float = 1.0  # a slower (or faster) reading: every voice's speed and every pause, in its own folder
    podcast: PodcastSettings = field(default_factory=PodcastSettings)
    pace: float | None = None  # km/h: a walk's pace on foot, where a chapter gives none (narrate.pacing)
    tasks: str = "say"  # a task list's boxes: 'say' ("Done." / "To do.") or 'silent'
    links: str = "full"  # a bare web address: 'full' (example dot org slash route) or 'domain' (example dot org)
    emoji: str = "silent"  # emoji: 'silent', or 'name' (read by their Unicode names)
    images: str = "silent"  # an image's alt text: 'silent' (shown, not read) or 'describe' ("Image: ...")
    lists: str = "plain"  # an ordered list's numbers: 'plain' (not said) or 'numbered' ("One. Cross at night.")
    strikethrough: str = "skip"  # struck-out text (~~so~~): 'skip' (neither read nor shown) or 'read' (as plain words)
    footnotes: str = (
        "end-of-chapter"  # where footnotes are read: 'end-of-chapter', 'inline' (after their paragraph), 'skip'
    )
    lines: tuple[tuple[str, int], ...] = ()  # front-matter key -> line, for later errors

    def line_of(self, key: str) -> int:
        """The line a front-matter key was written on (1 if unknown)."""
        return dict(self.lines).get(key, 1)

    def lexicon(self, engine: str) -> tuple[tuple[str, str], ...]:
        """Name -> what ``engine`` is given for it: Piper reads phonemes written as [[...]]."""
        said = dict(self.pronunciations)
        if engine == "piper":
            said |= {name: f"[[{ipa}]]" for name, ipa in self.phonemes}
        return tuple(said.items())

    def names(self) -> list[str]:
        """Every name with a pronunciation."""
        return list(dict.fromkeys([n for n, _ in self.pronunciations] + [n for n, _ in self.phonemes]))

    def speaker(self, name: str) -> Speaker | None:
        """The declared speaker called ``name``, if any."""
        return next((s for s in self.speakers if s.name == name), None)


@dataclass(frozen=True)
class Paragraph:
    """Narrated text. ``text`` keeps source line breaks as newlines."""

    text: str
    line: int
    speaker: str | None = None
    language: str | None = None  # a passage in another language (a 'lang' span): read by a voice of it
    joined: bool = False  # the rest of the paragraph before it, after a passage in another language or voice
    quoted: bool = False  # words given to a speaker inside a paragraph ('[“Come in,”]{Holmes}')


@dataclass(frozen=True)
class Pause:
    """An explicit silence."""

    seconds: float
    line: int


@dataclass(frozen=True)
class Heading:
    """A heading below the chapter's ('## A smaller heading'): read as a sub-heading, kept as structure."""

    text: str
    level: int  # 2 to 6
    line: int


@dataclass(frozen=True)
class Table:
    """A table (GitHub-flavoured Markdown): its header cells, and each row's cells with its line."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    line: int
    row_lines: tuple[int, ...] = ()


Block = Paragraph | Pause | Heading | Table


@dataclass(frozen=True)
class ChapterSettings:
    """Per-leg settings written under a chapter heading."""

    ambient: str | None = None
    origin: str | None = None
    destination: str | None = None
    coords: tuple[float, float] | None = None
    place: str | None = None  # the name of the place at coords
    travel: str | None = None
    distance: str | None = None
    url: str | None = None
    img: str | None = None
    language: str | None = None  # the leg is told in another language than the script's
    # the walking tour (narrate.tour): how near the stop at coords a listener comes before the leg plays, in
    # metres (None: by 'travel'), or a polygon instead; the direction they must be heading in (degrees from
    # north, tolerance); the way from the last stop, as points or a file beside the script; the way on
    radius: float | None = None
    zone: tuple[tuple[float, float], ...] | None = None
    bearing: tuple[float, float] | None = None
    route: tuple[tuple[float, float], ...] | None = None
    route_file: str | None = None
    directions: str | None = None
    pace: float | None = None  # km/h: how fast the way here is travelled, for pacing (narrate.pacing)
    lines: tuple[tuple[str, int], ...] = ()

    def line_of(self, key: str, default: int) -> int:
        """The line a setting was written on."""
        return dict(self.lines).get(key, default)


@dataclass(frozen=True)
class Chapter:
    """One leg of the journey."""

    title: str
    line: int
    settings: ChapterSettings
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Script:
    """A parsed script."""

    path: str
    meta: Meta
    chapters: tuple[Chapter, ...]
