"""The first stage: load the script and check every file it names, then decode its sounds.

Everything here can fail on what the user wrote, so it runs before the first
slow step: a missing cover, a bed that is not a sound file or a chapter image
that is not a picture is reported with the line that named it before any
speech is synthesised. Decoding the sounds (``load_sounds``) comes later, beside
synthesis; a sound that is found but cannot be decoded is reported then.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from narrate.audio import RATE
from narrate.errors import NarrateError, SoundError
from narrate.script import Script, parse_script, read_script_text
from narrate.sounds import MixSounds, find_sound, is_off, load_sound, make_loop


def load_script(path: str) -> Script:
    """Read and parse a script file."""
    return parse_script(read_script_text(path), path)


def picture_mime(data: bytes) -> str | None:
    """The MIME type of a PNG or JPEG image, from its first bytes."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def sound_uses(script: Script) -> list[tuple[str, str, int]]:
    """Every sound the script names (not the ones turned off), as (value, 'beds' or 'cues', line)."""
    meta = script.meta
    out = [(meta.ambient, "beds", meta.line_of("ambient"))] + [
        (c.settings.ambient, "beds", c.settings.line_of("ambient", c.line)) for c in script.chapters
    ]
    for key in ("cue", "intro", "outro"):
        out.append((getattr(meta.mix, key), "cues", meta.line_of(f"mix.{key}")))
    return [(v, kind, line) for v, kind, line in out if v and not is_off(v)]


def _check_picture(script: Script, name: str, what: str, line: int, hint: str = "") -> Path:
    path = Path(script.path).parent / name
    if not path.is_file():
        raise SoundError(f"{what} not found: {name} (looked for {path}){hint}", script.path, line)
    try:
        head = path.read_bytes()[:16]
    except OSError as exc:
        raise SoundError(f"cannot read {what} {name}: {exc.strerror}", script.path, line) from None
    if picture_mime(head) is None:
        raise SoundError(f"{what} {name} is not a PNG or JPEG file", script.path, line)
    return path


def check_files(script: Script) -> Path | None:
    """Check the cover, chapter images and sound files the script names; return the cover's path."""
    meta = script.meta
    cover = _check_picture(script, meta.cover, "cover image", meta.line_of("cover")) if meta.cover else None
    for chapter in script.chapters:
        if (img := chapter.settings.img) and not is_url(img):
            _check_picture(script, img, "chapter image", chapter.settings.line_of("img", chapter.line),
                           "; give a file or an http(s) URL")
    for value, kind, line in sound_uses(script):
        try:
            find_sound(value, kind, Path(script.path).parent)
        except SoundError as exc:
            raise exc.located(script.path, line) from None
    return cover


def used_files(script: Script) -> list[Path]:
    """Every local file the script uses besides itself: its sounds, cover and chapter images
    (a sound that cannot be found is left out; check_files is what reports it)."""
    base = Path(script.path).parent
    files = []
    for value, kind, _ in sound_uses(script):
        try:
            files.append(find_sound(value, kind, base))
        except NarrateError:
            continue
    if script.meta.cover:
        files.append(base / script.meta.cover)
    files += [base / c.settings.img for c in script.chapters if c.settings.img and not is_url(c.settings.img)]
    return files


def _load_located(script: Script, value: str, kind: str, line: int) -> tuple[Path, np.ndarray]:
    try:
        path = find_sound(value, kind, Path(script.path).parent)
        return path, load_sound(path, RATE)
    except SoundError as exc:
        raise exc.located(script.path, line) from None


def load_cues(script: Script, edition: str) -> dict[str, np.ndarray]:
    """Decode the chapter cue and, in the full edition, the stings, by kind."""
    mix = script.meta.mix
    wanted = ("cue",) if edition == "speech" else ("cue", "intro", "outro")
    return {
        "chime" if key == "cue" else key: _load_located(script, value, "cues", script.meta.line_of(f"mix.{key}"))[1]
        for key in wanted
        if (value := getattr(mix, key))
    }


def load_sounds(script: Script, edition: str) -> MixSounds:
    """Decode the cues and each chapter's bed that this edition plays."""
    meta = script.meta
    beds: list[tuple[str, np.ndarray] | None] = []
    loops: dict[str, tuple[str, np.ndarray]] = {}  # each sound decoded once, however many legs play it
    for chapter in script.chapters:
        value = chapter.settings.ambient or meta.ambient
        if edition == "speech" or not value or is_off(value):
            beds.append(None)
            continue
        if value not in loops:
            line = chapter.settings.line_of("ambient", 0) or meta.line_of("ambient")
            path, audio = _load_located(script, value, "beds", line)
            loops[value] = (str(path), make_loop(audio, RATE))
        beds.append(loops[value])
    return MixSounds(cues=load_cues(script, edition), beds=tuple(beds))
