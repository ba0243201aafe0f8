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
from narrate.pictures import cover_advice, picture_mime, read_picture
from narrate.script import Script, parse_script, read_script_text
from narrate.sounds import MixSounds, find_sound, is_off, load_sound, make_loop, sounds_dir

# Pictures are copied into the output and embedded in the audio files; sounds are decoded whole into
# memory (a minute of 44.1 kHz stereo is 21 MB as float32). Real covers and beds are far smaller.
MAX_PICTURE_BYTES = 20_000_000
MAX_SOUND_BYTES = 50_000_000
MAX_SOUND_SECONDS = 600


def load_script(path: str) -> Script:
    """Read and parse a script file."""
    return parse_script(read_script_text(path), path)


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


def local_path(base: Path, value: str) -> Path:
    """A file named in a script: relative to the script's folder, or absolute, with '~' for the home folder."""
    return base / Path(value).expanduser()


def allowed_roots(script: Script, allow: tuple[str | Path, ...] = ()) -> tuple[Path, ...]:
    """The folders a script's files may be in: its own, the sounds narrate ships, and each --allow-path."""
    return (
        Path(script.path).parent.resolve(),
        sounds_dir().resolve(),
        *(Path(a).expanduser().resolve() for a in allow),
    )


def check_inside(script: Script, path: Path, what: str, line: int, allow: tuple[str | Path, ...] = ()) -> None:
    """Refuse a file that is, after symlinks, outside the script's folder (and the shipped sounds and
    --allow-path folders): a script passed around must not publish what it does not carry."""
    real = path.resolve()
    if not any(real.is_relative_to(root) for root in allowed_roots(script, allow)):
        raise SoundError(f"{what} is outside the script's folder (it is {real}): move it beside the script, "
                         f"or allow its folder with --allow-path {real.parent}", script.path, line)


def _check_picture(script: Script, name: str, what: str, line: int, hint: str = "",
                   allow: tuple[str | Path, ...] = ()) -> Path:
    path = local_path(Path(script.path).parent, name)
    if not path.is_file():
        raise SoundError(f"{what} not found: {name} (looked for {path}){hint}", script.path, line)
    check_inside(script, path, f"{what} {name}", line, allow)  # before reading a byte of it
    try:
        head = path.read_bytes()[:16]
    except OSError as exc:
        raise SoundError(f"cannot read {what} {name}: {exc.strerror}", script.path, line) from None
    if picture_mime(head) is None:
        raise SoundError(f"{what} {name} is not a PNG or JPEG file", script.path, line)
    check_size(script, path, f"{what} {name}", line, MAX_PICTURE_BYTES)
    return path


def cover_warnings(script: Script, cover: Path) -> list[str]:
    """A warning for a cover podcast apps will not take as it is (size, shape, colours), from its header."""
    try:
        with open(cover, "rb") as fh:
            picture = read_picture(fh)
    except OSError as exc:
        raise SoundError(f"cannot read cover image {script.meta.cover}: {exc.strerror}", script.path,
                         script.meta.line_of("cover")) from None
    problems = cover_advice(picture) if picture else ["its header cannot be read: the file may be damaged"]
    return [f"warning: {script.path}:{script.meta.line_of('cover')}: cover {script.meta.cover}: {'; '.join(problems)}"
            ] if problems else []


def check_size(script: Script, path: Path, what: str, line: int, limit: int) -> None:
    """Refuse a file larger than ``limit``: it would be read whole (a picture is copied and embedded, a
    sound decoded into memory)."""
    size = path.stat().st_size
    if size > limit:
        raise SoundError(f"{what} is {size / 1e6:,.1f} MB; narrate takes files up to {limit / 1e6:,.0f} MB here: "
                         "make it smaller", script.path, line)


def check_files(script: Script, allow: tuple[str | Path, ...] = ()) -> Path | None:
    """Check the cover, chapter images and sound files the script names (each inside the script's folder,
    the shipped sounds or an ``allow`` folder, and not too large); return the cover's path."""
    meta = script.meta
    cover = (_check_picture(script, meta.cover, "cover image", meta.line_of("cover"), allow=allow)
             if meta.cover else None)
    for chapter in script.chapters:
        if (img := chapter.settings.img) and not is_url(img):
            _check_picture(script, img, "chapter image", chapter.settings.line_of("img", chapter.line),
                           "; give a file or an http(s) URL", allow)
    for value, kind, line in sound_uses(script):
        try:
            path = find_sound(value, kind, Path(script.path).parent)
        except SoundError as exc:
            raise exc.located(script.path, line) from None
        check_inside(script, path, f"sound file {value}", line, allow)
        check_size(script, path, f"sound file {value}", line, MAX_SOUND_BYTES)
        seconds = sound_seconds(path)
        if seconds is None:
            raise SoundError(f"sound file {value} is not audio narrate can read (is it damaged?)", script.path, line)
        if seconds > MAX_SOUND_SECONDS:
            raise SoundError(f"sound file {value} lasts {seconds / 60:.0f} minutes; beds and cues may last up to "
                             f"{MAX_SOUND_SECONDS // 60} (a bed loops): cut it shorter", script.path, line)
    return cover


def sound_seconds(path: Path) -> float | None:
    """How long a sound file plays, from its headers (mutagen), or None if it is not a sound file."""
    import mutagen

    try:
        got = mutagen.File(str(path))
    except Exception:  # mutagen raises its own error types for each format's damage  # noqa: BLE001
        return None
    info = getattr(got, "info", None)
    length = getattr(info, "length", None)
    return float(length) if length else None


def used_files(script: Script) -> list[Path]:
    """Every local file the script uses besides itself: its sounds, cover, chapter images and route files
    (a sound that cannot be found is left out; check_files is what reports it)."""
    base = Path(script.path).parent
    files = []
    for value, kind, _ in sound_uses(script):
        try:
            files.append(find_sound(value, kind, base))
        except NarrateError:
            continue
    if script.meta.cover:
        files.append(local_path(base, script.meta.cover))
    files += [
        local_path(base, c.settings.img) for c in script.chapters if c.settings.img and not is_url(c.settings.img)
    ]
    files += [local_path(base, c.settings.route_file) for c in script.chapters if c.settings.route_file]
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
