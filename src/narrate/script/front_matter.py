"""The front matter: the YAML block at the top of a script, checked key by key into ``Meta``.

Every key keeps its line, so a later stage can say where a setting was written.
Pure: text in, dataclasses out.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import math
import re
from collections.abc import Iterator
from typing import Any

from narrate.errors import ScriptError, did_you_mean
from narrate.script.inline import LANGUAGE_CODE
from narrate.script.model import FORMATS, NO_SOUND, Meta, MixSettings, PodcastSettings, VoiceSettings
from narrate.script.settings import parse_pace
from narrate.script.voices import parse_pronunciations, parse_speakers, parse_voice
from narrate.script.yaml_reader import read_yaml


FRONT_MATTER_KEYS = (
    "title", "author", "album", "description", "language", "date", "cover",
    "voice", "pronunciations", "speakers", "ambient", "mix", "formats", "rate", "podcast", "tasks", "links", "emoji",
    "images", "lists", "footnotes", "strikethrough", "pace",
)
# reading choices: key -> its values (the first is the default)
CHOICES = {
    "images": ("silent", "describe"),
    "lists": ("plain", "numbered"),
    "tasks": ("say", "silent"),
    "links": ("full", "domain"),
    "emoji": ("silent", "name"),
    "footnotes": ("end-of-chapter", "inline", "skip"),
    "strikethrough": ("skip", "read"),
}
PODCAST_KEYS = (
    "base_url", "title", "description", "category", "explicit", "email", "type", "episode", "season", "guid",
)
MIX_KEYS = (
    "bed_level", "ducking", "fade", "crossfade", "cue", "intro", "outro", "close",
    "loudness", "true_peak", "channels",
)


def split_front_matter(text: str, path: str) -> tuple[str, str, int]:
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


def parse_date(value: object) -> _dt.date:
    """A publication date written as 2026-11-25 (or a date and time, of which the day is kept); ValueError
    with a reason a writer can act on for anything else."""
    text = str(value).strip()
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return _dt.datetime.fromisoformat(text.replace("z", "Z")).date()
    except ValueError:
        pass
    m = re.fullmatch(r"(\d{4})-(\d\d?)-(\d\d?)", text) or re.match(r"(\d{4})-(\d\d)-(\d\d)[Tt ]", text)
    if m:  # YAML's own form of a date (2026-2-3), or a date that is not in the calendar
        year, month, day = (int(g) for g in m.groups())
        if year < 1:
            raise ValueError(f"'date' {text} has no year 0: years run from 0001")
        if not 1 <= month <= 12:
            raise ValueError(f"'date' {text} has no month {month}: months run from 01 to 12")
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise ValueError(
                f"'date' {text} is not a day of the calendar: {calendar.month_name[month]} {year} has {last} days"
            )
        if m.end() == len(text):
            return _dt.date(year, month, day)
    raise ValueError(f"'date' must be a date like 2026-11-25, not '{text}'")


def parse_meta(front: str, path: str) -> Meta:
    """The front matter, every key checked, into the episode's settings."""
    data, lines = read_yaml(front, path)

    def where(key: str) -> int:
        return lines.get(key, 1)

    for key in data:
        if key not in FRONT_MATTER_KEYS:
            raise ScriptError(f"unknown front-matter setting '{key}'{did_you_mean(str(key), FRONT_MATTER_KEYS)} "
                              f"(known: {', '.join(FRONT_MATTER_KEYS)})", path, where(str(key)))

    def text_field(key: str, required: bool = False) -> str | None:
        return _text(data, key, required, path, where(key))

    title = text_field("title", required=True)
    assert title is not None  # required=True guarantees it
    date = data.get("date")
    if date is not None:
        try:
            date = parse_date(date)
        except ValueError as exc:
            raise ScriptError(f"{exc}", path, where("date")) from None
    language = text_field("language") or "en"
    if not LANGUAGE_CODE.fullmatch(language):
        raise ScriptError(f"'language' must be a language code like 'en' or 'en-GB', not '{language}'", path,
                          where("language"))
    default_voice = parse_voice(data.get("voice"), "voice", VoiceSettings(lang=language.split("-")[0].lower()),
                                lines, path)
    pronunciations, phonemes = parse_pronunciations(data.get("pronunciations"), lines, path)
    speakers = parse_speakers(data.get("speakers"), default_voice, lines, path)
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
        phonemes=phonemes,
        speakers=speakers,
        ambient=text_field("ambient"),
        mix=_parse_mix(data.get("mix"), lines, path),
        formats=parse_formats(data["formats"], path, where("formats")) if "formats" in data else ("mp3",),
        rate=parse_rate(data["rate"], path, where("rate")) if "rate" in data else 1.0,
        podcast=_parse_podcast(data.get("podcast"), lines, path),
        pace=parse_pace(str(data["pace"]), where("pace"), path) if data.get("pace") is not None else None,
        **{key: _choice(data, key, values, where(key), path) for key, values in CHOICES.items()},
        lines=tuple(sorted(lines.items())),
    )


def _text(data: dict[Any, Any], key: str, required: bool, path: str, line: int) -> str | None:
    """A setting that is text: None where it is not given (unless ``required``), never a list or a mapping."""
    value = data.get(key)
    if value is None:
        if required and key in data:
            raise ScriptError(f"'{key}' is empty", path, line)
        if required:
            raise ScriptError(f"front matter has no '{key}:'; add one", path, 1)
        return None
    if isinstance(value, (dict, list)):
        raise ScriptError(f"'{key}' must be text", path, line)
    value = str(value).strip()
    if required and not value:
        raise ScriptError(f"'{key}' is empty", path, line)
    return value or None


def _choice(data: dict, key: str, values: tuple[str, ...], line: int, path: str) -> str:
    value = data.get(key, values[0])
    if not isinstance(value, str) or value.strip().lower() not in values:
        raise ScriptError(f"'{key}' must be one of {', '.join(values)}, not '{value}'", path, line)
    return value.strip().lower()


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
                f"unknown {name} setting '{k}'{did_you_mean(str(k), keys)} (known: {', '.join(keys)})", path, line
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


def parse_rate(value: Any, path: str | None = None, line: int | None = None) -> float:
    """A reading rate: 0.85 reads at 85 % of each voice's speed; from the front matter or --rate."""
    try:
        rate = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        rate = math.nan
    if not 0.5 <= rate <= 2.0:
        raise ScriptError(f"'rate' must be a number from 0.5 to 2.0 (0.85 reads at 85 % speed), not '{value}'",
                          path, line)
    return round(rate, 3)


def parse_formats(value: Any, path: str | None = None, line: int | None = None) -> tuple[str, ...]:
    """'mp3, m4b' or ['mp3', 'm4b'] -> ('mp3', 'm4b'), checked; from the front matter or --format."""
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else None
    if not items or not all(isinstance(i, str) for i in items):
        raise ScriptError(f"'formats' must be a list of formats ({', '.join(FORMATS)}), e.g. 'mp3, m4b'", path, line)
    out: list[str] = []
    for item in items:
        name = item.strip().lower().lstrip(".")
        name = {"m4a": "m4b", "ogg": "opus"}.get(name, name)
        if name not in FORMATS:
            raise ScriptError(
                f"unknown format '{item.strip()}'{did_you_mean(name, FORMATS)} (known: {', '.join(FORMATS)})",
                path,
                line,
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
