"""Parse a story script: Markdown with YAML front matter, into frozen dataclasses.

The format, in brief (the README has a full example)::

    ---
    title: The Long Way Round
    author: A. Writer
    pronunciations: {Hyesan: Heh-sahn}
    speakers: {Ji: {speed: 0.95}}
    ---

    # Across the river            <- a level-1 heading starts a chapter (a leg)
    from: Hyesan                  <- settings: 'key: value' lines right under it
    to: Changbai

    A paragraph is narrated.      <- blank line, then the text

    > **Ji:** A quotation spoken by a declared speaker.

    [pause 2s]                    <- an explicit pause
    <!-- a comment, never spoken -->

Pure: text in, dataclasses out; every block keeps its 1-based line number.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from collections.abc import Iterator
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from narrate.errors import ScriptError

FRONT_MATTER_KEYS = (
    "title", "author", "album", "description", "language", "date", "cover",
    "voice", "pronunciations", "speakers", "ambient", "mix", "formats", "podcast",
)
FORMATS = ("mp3", "m4b", "opus")  # the audio files a build can write (export.formats)
PODCAST_KEYS = (
    "base_url", "title", "description", "category", "explicit", "email", "type", "episode", "season", "guid",
)
MIX_KEYS = (
    "bed_level", "ducking", "fade", "crossfade", "cue", "intro", "outro", "close",
    "loudness", "true_peak", "channels",
)
NO_SOUND = ("none", "off")  # 'ambient: none' silences a leg's bed
VOICE_KEYS = ("engine", "model", "speed", "lang", "tld")
CHAPTER_KEYS = ("ambient", "from", "to", "coords", "travel", "distance", "url", "img")

DEFAULT_PAUSE_S = 1.0
SCENE_BREAK_S = 1.5  # a thematic break ('---') is read as a longer pause
MAX_PAUSE_S = 60.0

_PAUSE = re.compile(r"\[pause(?:\s+(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>ms|s)?)?\]", re.IGNORECASE)
_DIRECTIVE = re.compile(r"^\[(?P<word>[a-z]+)(?:\s[^\]]*)?\]$", re.IGNORECASE)
_SETTING = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*?)\s*$")
_SETTING_START = re.compile(r"^[a-z_][a-z_-]*\s*:(\s|$)")
_SPEAKER = re.compile(r"^\*\*(?P<a>[^*\n]+?)\*\*\s*:\s*|^\*\*(?P<b>[^*\n]+?):\*\*\s*")


@dataclass(frozen=True)
class VoiceSettings:
    """How one voice sounds; which fields matter depends on the engine."""

    engine: str = "piper"
    model: str = "joe"
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
    pronunciations: tuple[tuple[str, str], ...] = ()
    speakers: tuple[Speaker, ...] = ()
    ambient: str | None = None
    mix: MixSettings = field(default_factory=MixSettings)
    formats: tuple[str, ...] = ("mp3",)
    podcast: PodcastSettings = field(default_factory=PodcastSettings)
    lines: tuple[tuple[str, int], ...] = ()  # front-matter key -> line, for later errors

    def line_of(self, key: str) -> int:
        """The line a front-matter key was written on (1 if unknown)."""
        return dict(self.lines).get(key, 1)

    def speaker(self, name: str) -> Speaker | None:
        """The declared speaker called ``name``, if any."""
        return next((s for s in self.speakers if s.name == name), None)


@dataclass(frozen=True)
class Paragraph:
    """Narrated text. ``text`` keeps source line breaks as newlines."""

    text: str
    line: int
    speaker: str | None = None


@dataclass(frozen=True)
class Pause:
    """An explicit silence."""

    seconds: float
    line: int


Block = Paragraph | Pause


@dataclass(frozen=True)
class ChapterSettings:
    """Per-leg settings written under a chapter heading."""

    ambient: str | None = None
    origin: str | None = None
    destination: str | None = None
    coords: tuple[float, float] | None = None
    travel: str | None = None
    distance: str | None = None
    url: str | None = None
    img: str | None = None
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


def read_script_text(path: str) -> str:
    """Read a script file as UTF-8, turning I/O and decoding failures into ScriptError."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise ScriptError("no such file", path) from None
    except IsADirectoryError:
        raise ScriptError("is a directory, not a script file", path) from None
    except OSError as exc:
        raise ScriptError(f"cannot read the file: {exc.strerror}", path) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScriptError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {col}); "
            "save the script with UTF-8 encoding",
            path,
            line,
        ) from None


def parse_script(text: str, path: str) -> Script:
    """Parse a whole script file's text."""
    text = text.removeprefix("\ufeff")
    front, body, body_line = _split_front_matter(text, path)
    meta = _parse_meta(front, path)
    chapters = _parse_body(body, body_line, meta, path)
    return Script(path=path, meta=meta, chapters=chapters)


# --- front matter ---------------------------------------------------------


def _split_front_matter(text: str, path: str) -> tuple[str, str, int]:
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise ScriptError(
            "missing front matter: the script must start with a '---' line, "
            "then YAML with at least 'title:', then another '---' line",
            path,
            1,
        )
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    raise ScriptError("front matter is never closed: add a '---' line after it", path, 1)


def _key_lines(node: yaml.Node, prefix: str = "") -> dict[str, int]:
    """Map 'key' and 'key.sub' paths of a composed YAML mapping to 1-based lines (+1 for '---')."""
    out: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for knode, vnode in node.value:
            key = f"{prefix}{knode.value}"
            out[key] = knode.start_mark.line + 2
            out.update(_key_lines(vnode, key + "."))
    return out


def _parse_meta(front: str, path: str) -> Meta:
    try:
        node = yaml.compose(front, Loader=yaml.SafeLoader)
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScriptError(f"invalid front matter: {problem}", path, line) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScriptError("invalid front matter: expected 'key: value' lines", path, 2)
    lines = _key_lines(node) if node is not None else {}

    def where(key: str) -> int:
        return lines.get(key, 1)

    for key in data:
        if key not in FRONT_MATTER_KEYS:
            raise ScriptError(
                f"unknown front-matter setting '{key}'{_did_you_mean(str(key), FRONT_MATTER_KEYS)} "
                f"(known: {', '.join(FRONT_MATTER_KEYS)})",
                path,
                where(str(key)),
            )

    def text_field(key: str, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None:
            if required and key in data:
                raise ScriptError(f"'{key}' is empty", path, where(key))
            if required:
                raise ScriptError(f"front matter has no '{key}:'; add one", path, 1)
            return None
        if isinstance(value, (dict, list)):
            raise ScriptError(f"'{key}' must be text", path, where(key))
        value = str(value).strip()
        if required and not value:
            raise ScriptError(f"'{key}' is empty", path, where(key))
        return value or None

    title = text_field("title", required=True)
    assert title is not None  # required=True guarantees it
    date = data.get("date")
    if date is not None and not isinstance(date, _dt.date):
        try:
            date = _dt.date.fromisoformat(str(date))
        except ValueError:
            raise ScriptError(
                f"'date' must be a date like 2026-11-25, not '{date}'", path, where("date")
            ) from None
    if isinstance(date, _dt.datetime):
        date = date.date()
    language = text_field("language") or "en"
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", language):
        raise ScriptError(
            f"'language' must be a language code like 'en' or 'en-GB', not '{language}'",
            path,
            where("language"),
        )
    default_voice = _parse_voice(data.get("voice"), "voice", VoiceSettings(lang=language.split("-")[0].lower()), lines, path)
    pronunciations = _parse_pronunciations(data.get("pronunciations"), lines, path)
    speakers = _parse_speakers(data.get("speakers"), default_voice, lines, path)
    return Meta(
        title=title,
        author=text_field("author"),
        album=text_field("album"),
        description=text_field("description"),
        language=language,
        date=date,
        cover=text_field("cover"),
        voice=default_voice,
        pronunciations=pronunciations,
        speakers=speakers,
        ambient=text_field("ambient"),
        mix=_parse_mix(data.get("mix"), lines, path),
        formats=parse_formats(data["formats"], path, where("formats")) if "formats" in data else ("mp3",),
        podcast=_parse_podcast(data.get("podcast"), lines, path),
        lines=tuple(sorted(lines.items())),
    )


# name -> (lowest, highest, unit) for the numeric mix settings
_MIX_RANGES = {
    "bed_level": (-60.0, 0.0, "LU"),
    "ducking": (0.0, 40.0, "dB"),
    "fade": (0.0, 30.0, "s"),
    "crossfade": (0.0, 30.0, "s"),
    "loudness": (-36.0, -10.0, "LUFS"),
    "true_peak": (-9.0, 0.0, "dBTP"),
}


def _settings(
    value: Any, name: str, keys: tuple[str, ...], lines: dict[str, int], path: str
) -> Iterator[tuple[str, Any, int]]:
    """The (key, value, line) of a front-matter mapping such as 'mix:', each key checked against ``keys``."""
    if value is None:
        return
    if not isinstance(value, dict):
        raise ScriptError(f"'{name}' must be a mapping of settings ({', '.join(keys)})", path, lines.get(name, 1))
    for k, v in value.items():
        line = lines.get(f"{name}.{k}", lines.get(name, 1))
        if k not in keys:
            raise ScriptError(
                f"unknown {name} setting '{k}'{_did_you_mean(str(k), keys)} (known: {', '.join(keys)})", path, line
            )
        yield k, v, line


def _parse_mix(value: Any, lines: dict[str, int], path: str) -> MixSettings:
    fields: dict[str, Any] = {}
    for k, v, line in _settings(value, "mix", MIX_KEYS, lines, path):
        if k in _MIX_RANGES:
            lo, hi, unit = _MIX_RANGES[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                raise ScriptError(f"mix '{k}' must be a number from {lo:g} to {hi:g} {unit}, not '{v}'", path, line)
            fields[k] = float(v)
        elif k == "channels":
            if v not in (1, 2) or isinstance(v, bool):
                raise ScriptError(f"mix 'channels' must be 1 (mono) or 2 (stereo), not '{v}'", path, line)
            fields[k] = int(v)
        elif k in ("cue", "intro", "outro"):
            if v is False or (isinstance(v, str) and v.strip().lower() in NO_SOUND):
                fields[k] = None
            elif v is True:
                pass  # the default sound
            elif isinstance(v, str) and v.strip():
                fields[k] = v.strip()
            else:
                raise ScriptError(
                    f"mix '{k}' must be true, false, a shipped sound's name or a sound file, not '{v}'", path, line
                )
        else:  # close
            if v is None or isinstance(v, (dict, list, bool)) or not str(v).strip():
                raise ScriptError("mix 'close' must be the text of the spoken close", path, line)
            fields[k] = str(v).strip()
    return MixSettings(**fields)


def parse_formats(value: Any, path: str | None = None, line: int | None = None) -> tuple[str, ...]:
    """'mp3, m4b' or ['mp3', 'm4b'] -> ('mp3', 'm4b'), checked; from the front matter or --format."""
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else None
    if not items or not all(isinstance(i, str) for i in items):
        raise ScriptError(f"'formats' must be a list of audio formats ({', '.join(FORMATS)}), e.g. 'mp3, m4b'", path, line)
    out: list[str] = []
    for item in items:
        name = item.strip().lower().lstrip(".")
        name = {"m4a": "m4b", "ogg": "opus"}.get(name, name)
        if name not in FORMATS:
            raise ScriptError(
                f"unknown format '{item.strip()}'{_did_you_mean(name, FORMATS)} (known: {', '.join(FORMATS)})", path, line
            )
        if name not in out:
            out.append(name)
    return tuple(out)


def _parse_podcast(value: Any, lines: dict[str, int], path: str) -> PodcastSettings:
    fields: dict[str, Any] = {}
    for k, v, line in _settings(value, "podcast", PODCAST_KEYS, lines, path):
        if k == "explicit":
            if not isinstance(v, bool):
                raise ScriptError(f"podcast 'explicit' must be true or false, not '{v}'", path, line)
            fields[k] = v
        elif k in ("episode", "season"):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ScriptError(f"podcast '{k}' must be a whole number from 1, not '{v}'", path, line)
            fields[k] = v
        else:
            if v is None or isinstance(v, (dict, list, bool)) or not str(v).strip():
                raise ScriptError(f"podcast '{k}' must be text", path, line)
            text = str(v).strip()
            if k == "base_url":
                text = check_base_url(text, path, line)
            elif k == "type" and text not in ("episodic", "serial"):
                raise ScriptError(f"podcast 'type' must be 'episodic' or 'serial', not '{text}'", path, line)
            elif k == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
                raise ScriptError(f"podcast 'email' must be an e-mail address, not '{text}'", path, line)
            fields[k] = text
    return PodcastSettings(**fields)


def check_base_url(url: str, path: str | None = None, line: int | None = None) -> str:
    """An absolute http(s) URL ending in '/', from the front matter or --base-url."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise ScriptError(
            f"'base_url' must be the http(s) address the output folder is served from, "
            f"e.g. 'https://example.org/podcast/', not '{url}'",
            path,
            line,
        )
    return url if url.endswith("/") else url + "/"


def _parse_voice(
    value: Any, key: str, base: VoiceSettings, lines: dict[str, int], path: str
) -> VoiceSettings:
    line = lines.get(key, 1)
    if value is None:
        return VoiceSettings(**{**base.__dict__, "line": base.line or line})
    if isinstance(value, str):
        value = {"model": value}
    if not isinstance(value, dict):
        raise ScriptError(
            f"'{key}' must be a voice name or a mapping of {', '.join(VOICE_KEYS)}", path, line
        )
    fields = dict(base.__dict__)
    for k, v in value.items():
        kline = lines.get(f"{key}.{k}", line)
        if k not in VOICE_KEYS:
            raise ScriptError(
                f"unknown voice setting '{k}'{_did_you_mean(str(k), VOICE_KEYS)} "
                f"(known: {', '.join(VOICE_KEYS)})",
                path,
                kline,
            )
        if k == "speed":
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.5 <= v <= 2.0:
                raise ScriptError(f"'speed' must be a number from 0.5 to 2.0, not '{v}'", path, kline)
            fields[k] = float(v)
        else:
            if v is None or isinstance(v, (dict, list)) or not str(v).strip():
                raise ScriptError(f"'{k}' must be text", path, kline)
            fields[k] = str(v).strip()
    fields["line"] = line
    return VoiceSettings(**fields)


def _parse_pronunciations(value: Any, lines: dict[str, int], path: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ScriptError(
            "'pronunciations' must map each name to how it is said, e.g. 'Hyesan: Heh-sahn'",
            path,
            lines.get("pronunciations", 1),
        )
    out = []
    for name, said in value.items():
        if said is None or isinstance(said, (dict, list)) or not str(said).strip():
            raise ScriptError(
                f"pronunciation of '{name}' must be text", path, lines.get(f"pronunciations.{name}", 1)
            )
        out.append((str(name), str(said).strip()))
    return tuple(out)


def _parse_speakers(
    value: Any, default: VoiceSettings, lines: dict[str, int], path: str
) -> tuple[Speaker, ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ScriptError(
            "'speakers' must map each speaker's name to their voice settings",
            path,
            lines.get("speakers", 1),
        )
    out = []
    for name, voice in value.items():
        key = f"speakers.{name}"
        out.append(
            Speaker(
                name=str(name),
                voice=_parse_voice(voice, key, default, lines, path),
                line=lines.get(key, 1),
            )
        )
    return tuple(out)


# --- body -----------------------------------------------------------------


_MD = MarkdownIt("commonmark")


def _parse_body(body: str, first_line: int, meta: Meta, path: str) -> tuple[Chapter, ...]:
    tokens = _MD.parse(body)
    offset = first_line  # token.map is 0-based within the body
    chapters: list[Chapter] = []
    current: dict[str, Any] | None = None  # the chapter being filled
    quote_speaker: list[str | None] = []  # stack, one per open blockquote

    def finish() -> None:
        if current is None:
            return
        if not any(isinstance(b, Paragraph) for b in current["blocks"]):
            raise ScriptError(
                f"chapter '{current['title']}' has no text to narrate", path, current["line"]
            )
        chapters.append(
            Chapter(
                title=current["title"],
                line=current["line"],
                settings=current["settings"],
                blocks=tuple(current["blocks"]),
            )
        )

    def need_chapter(line: int) -> dict[str, Any]:
        if current is None:
            raise ScriptError(
                "text before the first chapter: start each leg with a level-1 heading "
                "('# Title') and put episode details in the front matter",
                path,
                line,
            )
        return current

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        line = (tok.map[0] + offset) if tok.map else 0
        if tok.type == "heading_open" and tok.tag == "h1":
            finish()
            title = _plain(tokens[i + 1].children or []).replace("\n", " ").strip()
            if not title:
                raise ScriptError("chapter heading has no title", path, line)
            current = {"title": title, "line": line, "settings": ChapterSettings(), "blocks": []}
            i += 3
            # Settings are 'key: value' lines directly under the heading (no blank line).
            # Prose directly under a heading stays prose: a settings block starts
            # with a lowercase key and a colon.
            nxt = tokens[i] if i < len(tokens) else None
            if nxt is not None and nxt.type == "paragraph_open" and nxt.map and tok.map:
                if nxt.map[0] == tok.map[1] and _SETTING_START.match(tokens[i + 1].content):
                    current["settings"] = _parse_settings(
                        tokens[i + 1].content, nxt.map[0] + offset, path
                    )
                    i += 3
            continue
        if tok.type == "heading_open":  # h2..h6: spoken as a line of text
            chap = need_chapter(line)
            text = _plain(tokens[i + 1].children or [])
            chap["blocks"].extend(_text_blocks(text, line, None, path))
            i += 3
            continue
        if tok.type == "blockquote_open":
            need_chapter(line)
            quote_speaker.append(None)
            # The speaker is named at the start of the quote's first paragraph.
            if i + 2 < len(tokens) and tokens[i + 1].type == "paragraph_open":
                inline = tokens[i + 2]
                m = _SPEAKER.match(inline.content)
                if m:
                    name = (m.group("a") or m.group("b")).strip()
                    if meta.speaker(name) is None:
                        known = ", ".join(s.name for s in meta.speakers) or "none declared"
                        raise ScriptError(
                            f"unknown speaker '{name}'{_did_you_mean(name, [s.name for s in meta.speakers])}: "
                            f"declare it under 'speakers:' in the front matter (known: {known})",
                            path,
                            line,
                        )
                    quote_speaker[-1] = name
                    inline.children = _MD.parseInline(inline.content[m.end() :])[0].children
            i += 1
            continue
        if tok.type == "blockquote_close":
            quote_speaker.pop()
            i += 1
            continue
        if tok.type == "paragraph_open":
            chap = need_chapter(line)
            text = _plain(tokens[i + 1].children or [])
            speaker = next((s for s in reversed(quote_speaker) if s), None)
            chap["blocks"].extend(_text_blocks(text, line, speaker, path))
            i += 3
            continue
        if tok.type == "hr":
            need_chapter(line)["blocks"].append(Pause(SCENE_BREAK_S, line))
        elif tok.type == "html_block":
            if not tok.content.lstrip().startswith("<!--"):
                raise ScriptError(
                    "raw HTML is not narrated: remove it, or wrap notes in <!-- -->", path, line
                )
        elif tok.type in ("fence", "code_block"):
            raise ScriptError(
                "code blocks are not narrated: remove the block, or wrap it in <!-- -->",
                path,
                line,
            )
        i += 1
    finish()
    if not chapters:
        raise ScriptError(
            "the script has no chapters: start each leg with a level-1 heading ('# Title')",
            path,
            first_line,
        )
    return tuple(chapters)


def _plain(children: list[Token]) -> str:
    """Inline Markdown to plain text; line breaks stay newlines so lines can be counted."""
    out: list[str] = []
    skip_image = 0
    for t in children:
        if t.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif t.type == "image":
            skip_image += 1  # images are not narrated; their alt text is not either
        elif t.type == "html_inline" and t.content.startswith("<!--"):
            out.append("\n" * t.content.count("\n"))  # comments are never spoken
        elif t.type in ("text", "code_inline", "html_inline"):
            # anything else that looks like a tag is text the author wrote: kept literally,
            # so a title like '<b> & co' reads and shows as written (outputs escape it)
            out.append(t.content)
    return "".join(out)


def _text_blocks(text: str, line: int, speaker: str | None, path: str) -> list[Block]:
    """Split a paragraph's text on [pause] markers, keeping each piece's line."""
    stripped = text.strip()
    m = _DIRECTIVE.match(stripped)
    if m and not _PAUSE.fullmatch(stripped):
        raise ScriptError(
            f"unknown directive '{stripped}'{_did_you_mean(m.group('word').lower(), ['pause'])} "
            "(known: [pause], [pause 2s], [pause 500ms])",
            path,
            line,
        )
    blocks: list[Block] = []
    pos = 0
    for pm in _PAUSE.finditer(text):
        _add_paragraph(blocks, text[pos : pm.start()], line + text[:pos].count("\n"), speaker)
        here = line + text[: pm.start()].count("\n")
        blocks.append(Pause(_pause_seconds(pm, here, path), here))
        pos = pm.end()
    _add_paragraph(blocks, text[pos:], line + text[:pos].count("\n"), speaker)
    return blocks


def _add_paragraph(blocks: list[Block], text: str, line: int, speaker: str | None) -> None:
    lead = len(text) - len(text.lstrip())
    line += text[:lead].count("\n")
    text = text.strip()
    if text:
        blocks.append(Paragraph(text=text, line=line, speaker=speaker))


def _pause_seconds(m: re.Match[str], line: int, path: str) -> float:
    if m.group("n") is None:
        return DEFAULT_PAUSE_S
    value = float(m.group("n"))
    seconds = value / 1000 if (m.group("unit") or "s").lower() == "ms" else value
    if not 0 < seconds <= MAX_PAUSE_S:
        raise ScriptError(
            f"pause of {m.group('n')}{m.group('unit') or 's'} is out of range "
            f"(more than 0, at most {MAX_PAUSE_S:g}s)",
            path,
            line,
        )
    return seconds


def _parse_settings(content: str, line: int, path: str) -> ChapterSettings:
    fields: dict[str, Any] = {}
    lines: dict[str, int] = {}
    names = {"from": "origin", "to": "destination"}
    for n, raw in enumerate(content.split("\n")):
        here = line + n
        m = _SETTING.match(raw.strip())
        if not m:
            raise ScriptError(
                f"'{raw.strip()}' is not a 'key: value' setting; chapter settings go directly "
                "under the heading, and the text starts after a blank line",
                path,
                here,
            )
        key, value = m.group("key").lower(), m.group("value")
        if key not in CHAPTER_KEYS:
            raise ScriptError(
                f"unknown chapter setting '{key}'{_did_you_mean(key, CHAPTER_KEYS)} "
                f"(known: {', '.join(CHAPTER_KEYS)})",
                path,
                here,
            )
        if not value:
            raise ScriptError(f"chapter setting '{key}' has no value", path, here)
        if key == "coords":
            fields["coords"] = _parse_coords(value, here, path)
        else:
            fields[names.get(key, key)] = value
        lines[key] = here
    return ChapterSettings(**fields, lines=tuple(sorted(lines.items())))


def _parse_coords(value: str, line: int, path: str) -> tuple[float, float]:
    parts = [p.strip() for p in value.split(",")]
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise ScriptError(
            f"'coords' must be 'latitude, longitude' in degrees, e.g. '41.39, 128.19', not '{value}'",
            path,
            line,
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ScriptError(
            "'coords' out of range: latitude must be within ±90 and longitude within ±180",
            path,
            line,
        )
    return (lat, lon)


def _did_you_mean(word: str, choices: Any) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.7)
    return f" (did you mean '{close[0]}'?)" if close else ""
