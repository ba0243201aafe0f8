"""The front matter's voices: the narrator's voice, the speakers' voices, and how names are said.

Pure: values from YAML in, dataclasses out; every mistake names its line.
"""

from __future__ import annotations

import re
from typing import Any

from narrate.errors import ScriptError, did_you_mean
from narrate.script.model import Speaker, VoiceSettings

VOICE_KEYS = ("engine", "name", "model", "speed", "lang", "tld")
_KOKORO_NAME = re.compile(r"[abefhijpz][fm]_[a-z]+")  # Kokoro's voices: language, gender, name ('bf_emma')
HIBARI_NAMES = ("heart", "emma", "fable", "fenrir", "kore")  # hibari's voices (heart is in its wheel)
# the voice an engine named alone reads with, where the voice inherited is not one of that engine's
ENGINE_DEFAULTS = {"hibari": "heart", "piper": "joe", "kokoro": "af_heart", "gtts": "google"}


def engine_of(name: str) -> str | None:
    """The engine a voice's name or file belongs to, where it tells: hibari's 'heart', Kokoro's 'bf_emma' or a .bin
    style table, Piper's 'joe' or an .onnx model; None for a name no engine claims by its form."""
    if name in HIBARI_NAMES:
        return "hibari"
    if _KOKORO_NAME.fullmatch(name) or name.endswith(".bin"):
        return "kokoro"
    if name == "joe" or name.endswith(".onnx"):
        return "piper"
    if name.startswith("pico_"):
        return "pico"
    if name.startswith("espeak_"):
        return "espeak"
    return None


def parse_voice(
    value: Any, key: str, base: VoiceSettings, lines: dict[str, int], path: str
) -> VoiceSettings:
    """A voice: a name ('joe'), or a mapping of its settings, over ``base`` (the narrator's, for a speaker)."""
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
                f"unknown voice setting '{k}'{did_you_mean(str(k), VOICE_KEYS)} "
                f"(known: {', '.join(VOICE_KEYS)})",
                path,
                kline,
            )
        if k == "name":
            k = "model"  # 'name' and 'model' are one setting: which voice
        if k == "speed":
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.5 <= v <= 2.0:
                raise ScriptError(f"'speed' must be a number from 0.5 to 2.0, not '{v}'", path, kline)
            fields[k] = float(v)
        else:
            if v is None or isinstance(v, (dict, list)) or not str(v).strip():
                raise ScriptError(f"'{k}' must be text", path, kline)
            fields[k] = str(v).strip()
    named = value.get("model", value.get("name")) is not None
    if "engine" not in value and named:
        fields["engine"] = engine_of(str(fields["model"])) or fields["engine"]
    elif not named and engine_of(str(fields["model"])) not in (None, fields["engine"]):
        fields["model"] = ENGINE_DEFAULTS.get(str(fields["engine"]), fields["model"])
    fields["line"] = line
    return VoiceSettings(**fields)


def mapping(value: Any, key: str, what: str, lines: dict[str, int], path: str) -> dict:
    """A front-matter mapping ('pronunciations', 'speakers'); {} when it is not given."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ScriptError(f"'{key}' must map {what}", path, lines.get(key, 1))
    return value


def parse_pronunciations(
    value: Any, lines: dict[str, int], path: str
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(name -> respelling for every engine, name -> IPA for Piper). A value is a respelling ('Heh-sahn'),
    phonemes ('[[ˈhjʌsɐn]]', which other engines then read as the name is written), or both:
    {phonemes: ˈhjʌsɐn, say: Hyeh-sahn}."""
    spelled, phonemes = [], []
    given = mapping(value, "pronunciations", "each name to how it is said, e.g. 'Hyesan: Heh-sahn'", lines, path)
    for name, said in given.items():
        line = lines.get(f"pronunciations.{name}", 1)
        if isinstance(said, dict):
            unknown = [k for k in said if k not in ("phonemes", "say")]
            if unknown or not said:
                raise ScriptError(f"pronunciation of '{name}' takes 'phonemes' (for Piper) and 'say' (for every "
                                  f"engine){f', not {unknown[0]!r}' if unknown else ''}", path, line)
            ipa, spelt = said.get("phonemes"), said.get("say")
        elif said is None or isinstance(said, list) or not str(said).strip():
            raise ScriptError(f"pronunciation of '{name}' must be text", path, line)
        elif (text := str(said).strip()).startswith("[[") and text.endswith("]]"):
            ipa, spelt = text[2:-2], None
        else:
            ipa, spelt = None, text
        if spelt is not None and "[[" in str(spelt) and "]]" not in str(spelt):
            raise ScriptError(f"pronunciation of '{name}' opens phonemes with '[[' and never closes them: write "
                              f"the whole value as [[phonemes]], e.g. '[[ˈhjʌsɐn]]'", path, line)
        for kind, v in (("phonemes", ipa), ("say", spelt)):
            if v is not None and (isinstance(v, (dict, list)) or not str(v).strip() or "]]" in str(v)):
                raise ScriptError(f"pronunciation of '{name}': '{kind}' must be text", path, line)
        if ipa is not None:
            phonemes.append((str(name), str(ipa).strip().strip("[]")))
        if spelt is not None:
            spelled.append((str(name), str(spelt).strip()))
    return tuple(spelled), tuple(phonemes)


def parse_speakers(
    value: Any, default: VoiceSettings, lines: dict[str, int], path: str
) -> tuple[Speaker, ...]:
    """The declared speakers, each with a voice over the narrator's."""
    out = []
    for name, voice in mapping(value, "speakers", "each speaker's name to their voice settings", lines, path).items():
        key = f"speakers.{name}"
        gender = None
        if isinstance(voice, dict) and "gender" in voice:
            voice = dict(voice)
            gender = voice.pop("gender")
            if gender not in GENDERS:
                raise ScriptError(f"'gender' must be {' or '.join(GENDERS)}, not '{gender}'", path,
                                  lines.get(f"{key}.gender", lines.get(key, 1)))
            voice = voice or None
        out.append(
            Speaker(
                name=str(name),
                voice=parse_voice(voice, key, default, lines, path),
                line=lines.get(key, 1),
                cast=voice is None or (isinstance(voice, dict) and not {"engine", "name", "model"} & set(voice)),
                gender=gender,
            )
        )
    return tuple(out)


GENDERS = ("female", "male")  # a speaker's, for the cast
