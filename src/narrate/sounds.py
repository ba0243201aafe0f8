"""Find ambient beds and cues: by name among the sounds narrate ships, or by path."""

from __future__ import annotations

import os
from pathlib import Path

from narrate.errors import SoundError

SOUND_SUFFIXES = (".wav", ".mp3", ".ogg", ".flac", ".opus")


def sounds_dir() -> Path:
    """The shipped sounds: $NARRATE_AUDIO_DIR, or the repository's audio/ folder."""
    if env := os.environ.get("NARRATE_AUDIO_DIR"):
        return Path(env)
    return Path(__file__).resolve().parents[2] / "audio"


def bundled(kind: str) -> dict[str, Path]:
    """Name -> file for the shipped sounds of one kind ('beds' or 'cues')."""
    folder = sounds_dir() / kind
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix in SOUND_SUFFIXES}


def looks_like_path(value: str) -> bool:
    return "/" in value or "\\" in value or value.lower().endswith(SOUND_SUFFIXES)


def find_sound(value: str, kind: str, base_dir: Path) -> Path:
    """A bed or cue named in a script: a shipped name, or a file relative to the script."""
    if looks_like_path(value):
        path = (base_dir / value).expanduser()
        if not path.is_file():
            raise SoundError(f"sound file not found: {value} (looked for {path})")
        if path.suffix.lower() not in SOUND_SUFFIXES:
            raise SoundError(f"'{value}' is not a sound file narrate reads ({', '.join(SOUND_SUFFIXES)})")
        return path
    names = bundled(kind)
    if value not in names:
        import difflib

        close = difflib.get_close_matches(value, list(names), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        known = ", ".join(names) or "none shipped"
        raise SoundError(f"unknown {kind[:-1]} '{value}'{hint}: use a file path or one of: {known}")
    return names[value]
