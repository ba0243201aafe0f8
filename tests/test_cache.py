"""Cache integrity: every entry is checked against the length and checksum it was written with; a damaged
one is never heard, but reported, removed and made again."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrate.build import build
from narrate.options import BuildHooks, BuildOptions
from narrate.cache import MAGIC, Store, seal, unseal
from narrate.testing import ToneEngine, tone_engines

from conftest import decode, run_cli, write_script

BODY = "# One\nThe river was low that night.\n\nThey crossed before the moon rose.\n\n# Two\nThe bus left at dawn.\n"


def test_a_sealed_entry_reads_back_and_any_change_is_caught() -> None:
    blob = seal(b"some bytes")
    assert unseal(blob) == b"some bytes"
    assert unseal(blob[:-1]) is None and unseal(blob[:-2]) is None  # cut short, by an odd or even count
    assert unseal(blob[:-1] + b"X") is None  # changed
    assert unseal(b"RIFF....WAVE") is None  # an older narrate's unsealed entry


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    path.write_bytes({"even": data[: len(data) // 2 // 2 * 2], "odd": data[: len(data) // 2 | 1],
                      "flip": data[:-5] + bytes([data[-5] ^ 0xFF]) + data[-4:]}[how])


@pytest.mark.parametrize("kind, how, fresh", [
    ("speech", "even", False), ("speech", "odd", True), ("speech", "flip", False),
    ("level", "odd", False), ("mix", "even", False), ("mix", "flip", True), ("mp3", "flip", False),
])
def test_a_damaged_entry_is_never_heard(tmp_path: Path, kind: str, how: str, fresh: bool) -> None:
    script = write_script(tmp_path, BODY)
    cache = tmp_path / "cache"
    first = build(str(script), BuildOptions(output=str(tmp_path / "a.mp3"), cache_dir=cache), tone_engines())
    clean = decode(first.output)
    entries = sorted((cache / kind).glob("??/*"))
    assert entries and all(e.read_bytes().startswith(MAGIC) for e in entries)
    damage(entries[0], how)
    said: list[str] = []
    tone = ToneEngine()
    again = build(str(script), BuildOptions(output=str(tmp_path / "b.mp3"), cache_dir=cache, fresh=fresh), tone_engines(tone), BuildHooks(log=said.append))
    heard = decode(again.output)
    assert len(heard) == len(clean)  # the damaged entry was made again, whole
    assert len([line for line in said if line.startswith("warning: ")]) == 1, said
    if kind == "speech":
        assert len(tone.calls) == 1  # that sentence alone was synthesised again
        line = next(line for line in said if line.startswith("warning: "))
        assert line.startswith("warning: cache entry for line ") and line.endswith(" was damaged; synthesised again")
    assert all(e.read_bytes().startswith(MAGIC) and unseal(e.read_bytes()) for e in sorted((cache / kind).glob("??/*")))


def test_cache_verify_checks_every_entry(tmp_path: Path) -> None:
    script = write_script(tmp_path, BODY)
    cache = tmp_path / "cache"
    build(str(script), BuildOptions(output=str(tmp_path / "a.mp3"), cache_dir=cache), tone_engines())
    entries = sorted(cache.glob("*/??/*"))
    code, out, _ = run_cli("cache", "verify", "--cache-dir", str(cache))
    assert (code, out) == (0, f"checked {len(entries)} entries: all sound\n")
    damage(entries[0], "odd")
    mp3 = sorted(cache.glob("mp3/??/*"))[0]
    mp3.write_bytes(b"NSEG1, an older narrate's piece")
    code, out, _ = run_cli("cache", "verify", "--cache-dir", str(cache))
    assert (code, out) == (0, f"checked {len(entries)} entries: 1 damaged, 1 from an older narrate; removed them\n")
    assert not entries[0].exists() and not mp3.exists()
    assert Store(cache).get("speech", "0" * 64) is None


def test_an_older_narrates_entries_are_used_while_whole(tmp_path: Path) -> None:
    """Entries written before they were sealed: a whole WAV is still used (no upgrade re-synthesises an
    hour), a cut one is damaged."""
    script = write_script(tmp_path, BODY)
    cache = tmp_path / "cache"
    build(str(script), BuildOptions(output=str(tmp_path / "a.mp3"), cache_dir=cache), tone_engines())
    entries = sorted(cache.glob("speech/??/*"))
    for entry in entries:
        entry.write_bytes(unseal(entry.read_bytes()))  # as an older narrate wrote them
    entries[0].write_bytes(entries[0].read_bytes()[:-2])  # and one of them cut short
    tone = ToneEngine()
    said: list[str] = []
    build(str(script), BuildOptions(output=str(tmp_path / "b.mp3"), cache_dir=cache), tone_engines(tone), BuildHooks(log=said.append))
    assert len(tone.calls) == 1 and len([s for s in said if "was damaged" in s]) == 1


class TimedTone(ToneEngine):
    """The tone engine, saying when each word is said, as heart does: word k from 0.3 k s."""

    def tells_word_times(self, voice) -> bool:  # type: ignore[no-untyped-def]
        return True

    def timed(self, text: str, voice):  # type: ignore[no-untyped-def]
        from narrate.engines.word_times import WordTime

        return self.synthesize(text, voice), [WordTime(w, 0.3 * k, 0.3 * k + 0.2) for k, w in enumerate(text.split())]


@pytest.mark.parametrize("how", ["flip", "nonsense"])
def test_damaged_word_times_are_made_again_with_their_sentence(tmp_path: Path, how: str) -> None:
    import json

    script = write_script(tmp_path, BODY)
    cache = tmp_path / "cache"
    first = build(str(script), BuildOptions(output=str(tmp_path / "a.mp3"), cache_dir=cache), tone_engines(TimedTone()))
    entries = sorted((cache / "words").glob("??/*.json"))
    assert len(entries) == len(list((cache / "speech").glob("??/*.wav"))) and all(unseal(e.read_bytes()) for e in entries)
    if how == "nonsense":  # whole, but not word times: a word that ends before it starts
        entries[0].write_bytes(seal(b'[["river", 0.5, 0.1]]'))
    else:
        damage(entries[0], how)
    said: list[str] = []
    tone = TimedTone()
    again = build(str(script), BuildOptions(output=str(tmp_path / "b.mp3"), cache_dir=cache), tone_engines(tone),
                  BuildHooks(log=said.append))
    assert len(tone.calls) == 1  # that sentence alone was said again
    warning = [line for line in said if line.startswith("warning: ")]
    assert len(warning) == 1 and warning[0].startswith("warning: cache entry for the word times of line ")
    assert warning[0].endswith(" was damaged; synthesised again")
    words = [s["words"] for s in json.loads(first.manifest.read_text(encoding="utf-8"))["sentences"]]
    assert [s["words"] for s in json.loads(again.manifest.read_text(encoding="utf-8"))["sentences"]] == words
