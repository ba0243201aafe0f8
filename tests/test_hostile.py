"""Inputs made to break narrate, by class: anything nested, any number, any character, files that are not what
their names say, texts that make a regular expression or a parser work in the square of their length, cache
addresses that are not what they look like, and walks across the antimeridian and at a pole.

Each ends in one located line and exit 1, with nothing written, or in a correct build."""

from __future__ import annotations

import json
import time
import unicodedata
from pathlib import Path

import pytest
from lxml import etree

from narrate.engines import Engines
from narrate.numbers import number_words

from conftest import run_cli, write_script

FRONT = "---\ntitle: T\n{extra}---\n"


def check(tmp_path: Path, body: str, extra: str = "", files: dict[str, str | bytes] | None = None,
          engines: Engines | None = None) -> tuple[int, str, Path]:
    """``narrate check`` on a script: exit code, standard error, the script's path."""
    for name, content in (files or {}).items():
        data = content.encode() if isinstance(content, str) else content
        (tmp_path / name).write_bytes(data)
    script = write_script(tmp_path, body, FRONT.format(extra=extra))
    code, _, err = run_cli("check", str(script), engines=engines)
    return code, err, script


# --- anything nested -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["[" * 50_000 + "]" * 50_000, "{a: " * 50_000 + "1" + "}" * 50_000])
def test_front_matter_nested_thousands_deep_is_one_line(tmp_path: Path, tone_engines: Engines, value: str) -> None:
    code, err, script = check(tmp_path, "# One\n\nHello.\n", f"description: {value}\n", engines=tone_engines)
    assert (code, err) == (1, f"{script}:3: values are nested more than 12 deep here: front matter takes a few "
                              "levels of 'key: value'; flatten it\n")


def test_a_geojson_route_nested_thousands_deep_is_one_line(tmp_path: Path, tone_engines: Engines) -> None:
    route = '{"type": "LineString", "coordinates": ' + "[" * 100_000 + "]" * 100_000 + "}"
    code, err, script = check(tmp_path, "# One\ncoords: 37.5, 127.0\nroute: r.geojson\n\nHello.\n",
                              files={"r.geojson": route}, engines=tone_engines)
    assert (code, err) == (1, f"{script}:6: route file r.geojson is not GeoJSON narrate can read: its values are "
                              "nested thousands deep\n")


@pytest.mark.parametrize(("body", "message"), [
    ("> " * 20_000 + "Deep.", "quotes and lists are nested too deep here (more than 19 levels, a list counting two): "
                              "Markdown drops the text inside; nest them less deeply"),
    ("<div>" * 50_000 + "x" + "</div>" * 50_000, "raw HTML is not narrated: remove it, or wrap notes in <!-- -->"),
])
def test_markdown_and_html_nested_thousands_deep_is_one_line(tmp_path: Path, tone_engines: Engines, body: str,
                                                             message: str) -> None:
    code, err, script = check(tmp_path, f"# One\n\n{body}\n", engines=tone_engines)
    assert (code, err) == (1, f"{script}:6: {message}\n")


# --- any number ------------------------------------------------------------------------------------------------


def test_a_number_past_what_the_language_spells_is_read_digit_by_digit() -> None:
    # num2words spells Spanish numbers below 10**27 only
    assert number_words(10**30, "es") == "uno" + " cero" * 30
    assert number_words(-(10**27), "es") == "menos uno" + " cero" * 27
    assert number_words(10**26, "es").startswith("cien cuatrillones")


def test_a_script_with_numbers_past_every_speller_checks(tmp_path: Path, tone_engines: Engines) -> None:
    body = "# Uno\n\nHabía 1" + "0" * 40 + " personas, o " + "9" * 1000 + ", o 1e400 metros.\n"
    code, err, _ = check(tmp_path, body, "language: es\n", engines=tone_engines)
    assert (code, err) == (0, "")


def test_a_setting_of_thousands_of_digits_is_one_line(tmp_path: Path, tone_engines: Engines) -> None:
    code, err, script = check(tmp_path, "# One\n\nHello.\n", "podcast:\n  episode: " + "9" * 5000 + "\n",
                              engines=tone_engines)
    assert (code, err) == (1, f"{script}:4: a number of 5,000 digits: no setting takes one of more than 30\n")


@pytest.mark.parametrize(("setting", "message"), [
    ("radius: 1e400 m", "'radius' must be a distance like '40 m' or '1.5 km', not '1e400 m'"),
    ("radius: nan m", "'radius' must be a distance like '40 m' or '1.5 km', not 'nan m'"),
])
def test_infinite_and_not_a_number_distances_are_one_line(tmp_path: Path, tone_engines: Engines, setting: str,
                                                           message: str) -> None:
    code, err, script = check(tmp_path, f"# One\ncoords: 37.5, 127.0\n{setting}\n\nHello.\n", engines=tone_engines)
    assert (code, err) == (1, f"{script}:6: {message}\n")


# --- any character ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("char", "kind"), [("\ue000", "a private-use character"),
                                            ("\U0010fffd", "a private-use character"),
                                            ("\ufdd0", "a noncharacter"), ("\U0003ffff", "a noncharacter")])
def test_characters_no_voice_can_say_are_one_line(tmp_path: Path, tone_engines: Engines, char: str,
                                                  kind: str) -> None:
    code, err, script = check(tmp_path, f"# One\n\nIt says {char} here.\n", engines=tone_engines)
    assert (code, err) == (1, f"{script}:6: {kind} (U+{ord(char):04X}) at column 9: it means only what one program "
                              "or font makes of it, so no voice can say it: write what it stands for\n")


def _one_of_each_category() -> dict[str, list[str]]:
    """A few characters of every Unicode general category narrate takes in a script (not the controls,
    surrogates, private use or noncharacters, each refused with its own line)."""
    found: dict[str, list[str]] = {}
    for code in range(0x20, 0x30000):
        char = chr(code)
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Co") or 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
            continue
        if char in "#>*_`[]<\\|!~-=+{}&" or len(found.setdefault(category, [])) >= 3:
            continue  # Markdown's own marks are tested where Markdown is
        found[category].append(char)
    return found


def test_every_unicode_category_checks_and_is_prepared(tmp_path: Path, tone_engines: Engines) -> None:
    from narrate.text import prepare

    categories = _one_of_each_category()
    assert len(categories) >= 27  # every category but the four refused
    body = "# One\n\n" + "\n\n".join(f"Here is {''.join(chars)} in {name}." for name, chars in categories.items())
    code, err, _ = check(tmp_path, body + "\n", engines=tone_engines)
    assert (code, err) == (0, "")
    for name, chars in categories.items():
        said = prepare(f"Here is {''.join(chars)} in {name}.", [], "en")
        assert not any("\ue000" <= c <= "\uf8ff" for c in said), name  # narrate's place-keepers never leak


# --- files that are not what their names say -------------------------------------------------------------------


def test_a_voice_file_that_is_a_web_page_is_one_line(tmp_path: Path) -> None:
    from narrate.engines.piper import bundled_model

    page = "<!DOCTYPE html><html><body>404 Not Found</body></html>"
    config = bundled_model()[1].read_text(encoding="utf-8")
    code, err, script = check(tmp_path, "# One\n\nHello.\n", "voice: v.onnx\n",
                              files={"v.onnx": page, "v.onnx.json": config})
    assert (code, err) == (1, f"{script}:3: piper voice 'v.onnx': {tmp_path / 'v.onnx'} is not an ONNX model (it "
                              "starts b'<!'; a web page saved in its place?): download the voice's .onnx again\n")
    (tmp_path / "v.onnx").write_bytes(bundled_model()[0].read_bytes()[:4096])
    (tmp_path / "v.onnx.json").write_text(page, encoding="utf-8")
    code, _, err = run_cli("check", str(script))
    assert (code, err) == (1, f"{script}:3: piper voice 'v.onnx': {tmp_path / 'v.onnx.json'} is not a Piper voice's "
                              "config (JSON with 'audio', 'num_symbols' and 'phoneme_id_map'): download the voice's "
                              ".onnx.json again\n")


# --- texts that would take the square of their length ----------------------------------------------------------

PATHOLOGICAL = ["a.", "9", "St. ", "e.g. ", "1 km ", "Jan 1 ", "[[", "http://a."]


def _check_seconds(folder: Path, unit: str, length: int, engines: Engines) -> float:
    """The CPU time of ``narrate check`` on one paragraph of ``unit`` repeated to ``length`` characters."""
    folder.mkdir(parents=True, exist_ok=True)
    script = write_script(folder, "# One\n\nSay " + unit * (length // len(unit)) + " now.\n", FRONT.format(extra=""))
    best = float("inf")
    for _ in range(2):
        start = time.process_time()
        code, _, err = run_cli("check", str(script), engines=engines)
        best = min(best, time.process_time() - start)
        assert code == 0 or (code == 1 and err.startswith(f"{script}:6: ") and len(err.splitlines()) == 1), err
    return best


@pytest.mark.parametrize("unit", PATHOLOGICAL)
def test_a_pathological_token_takes_time_in_proportion_to_its_length(tmp_path: Path, tone_engines: Engines,
                                                                     unit: str) -> None:
    """Five times the text takes about five times as long (twenty-five, before: hours for 300,000 characters)."""
    base = _check_seconds(tmp_path / "base", "a ", 100, tone_engines)  # reading the script, planning, reporting
    short = _check_seconds(tmp_path / "short", unit, 5_000, tone_engines) - base
    long = _check_seconds(tmp_path / "long", unit, 25_000, tone_engines) - base
    assert long < 12 * max(short, 0.02), (base, short, long)


def test_a_gpx_route_with_a_huge_comment_and_attribute_list_reads_in_time(tmp_path: Path,
                                                                          tone_engines: Engines) -> None:
    attributes = " ".join(f'a{i}="x"' for i in range(100_000))
    gpx = (f'<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1" {attributes}>'
           f'<!-- {"x" * 5_000_000} --><trk><trkseg><trkpt lat="37.49" lon="127.0"/><trkpt lat="37.5" lon="127.0"/>'
           "</trkseg></trk></gpx>")
    body = "# Zero\ncoords: 37.49, 127.0\n\nStart.\n\n# One\ncoords: 37.5, 127.0\nroute: r.gpx\n\nHello.\n"
    start = time.process_time()
    code, err, _ = check(tmp_path, body, files={"r.gpx": gpx}, engines=tone_engines)
    assert (code, err) == (0, "")
    assert time.process_time() - start < 30 * max(_check_seconds(tmp_path / "plain", "a ", 100, tone_engines), 0.05)


# --- cache addresses that are not what they look like ----------------------------------------------------------

SCHEMES = "give s3://bucket/prefix, gs://bucket/prefix, az://container/prefix or file:///shared/folder"


@pytest.mark.parametrize(("address", "message"), [
    ("s3://", "the address names no bucket: give s3://bucket or s3://bucket/prefix"),
    ("s3:///prefix", "the address names no bucket: give s3://bucket or s3://bucket/prefix"),
    ("ftp://host/cache", f"a shared cache cannot be kept at 'ftp://' addresses: {SCHEMES}"),
    ("memory://cache", f"a shared cache cannot be kept at 'memory://' addresses: {SCHEMES}"),
    ("file://", "a file:// cache names a folder by its whole path, as file:///shared/cache"),
    ("s3:bucket", "this reads as an address in Amazon S3 or an S3-compatible server with its '//' left out: write "
                  "s3://bucket, or ./s3:bucket for a folder of that name"),
])
def test_a_cache_address_that_is_not_one_is_one_line_and_no_folder(tmp_path: Path, tone_engines: Engines,
                                                                   monkeypatch: pytest.MonkeyPatch, address: str,
                                                                   message: str) -> None:
    monkeypatch.chdir(tmp_path)
    script = write_script(tmp_path, "# One\n\nHello.\n")
    code, _, err = run_cli("build", str(script), "-o", "out", "--cache-dir", address, engines=tone_engines)
    assert (code, err) == (1, f"{address}: {message}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story.md"]  # no 's3:' folder, no output


def test_a_shared_cache_without_credentials_is_one_line_before_any_work(tmp_path: Path, tone_engines: Engines,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    s3fs = pytest.importorskip("s3fs")
    # fsspec keeps one S3 file system per set of arguments, with the credentials it found when made: none is
    # shared with the tests before or after this one
    s3fs.S3FileSystem.clear_instance_cache()
    monkeypatch.setattr(s3fs.S3FileSystem, "_cache", {})
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    script = write_script(tmp_path, "# One\n\nHello.\n")
    code, _, err = run_cli("build", str(script), "-o", str(tmp_path / "out"), "--cache-dir",
                           "s3://narrate-no-credentials/x", engines=tone_engines)
    assert (code, err) == (1, "s3://narrate-no-credentials/x: the shared cache cannot be used: Unable to locate "
                              "credentials; check its address and the credentials (AWS_ACCESS_KEY_ID and "
                              "AWS_SECRET_ACCESS_KEY, and AWS_ENDPOINT_URL for an S3-compatible server)\n")
    assert not (tmp_path / "out").exists()


# --- anywhere on Earth -----------------------------------------------------------------------------------------


def _walk(tmp_path: Path, engines: Engines, first: tuple[float, float], second: tuple[float, float]) -> Path:
    body = (f"# One\ncoords: {first[0]}, {first[1]}\n\nHere.\n\n"
            f"# Two\ncoords: {second[0]}, {second[1]}\nradius: 10 m\n\nThere.\n")
    script = write_script(tmp_path, body, "---\ntitle: T\nformats: [mp3, walk]\n---\n")
    code, _, err = run_cli("build", str(script), "-o", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"),
                           engines=engines)
    assert code == 0, err
    return tmp_path / "out" / "story" / "story.walk"


def _scale_bar_m(svg: Path) -> float:
    """The length the map's scale bar stands for, read from the SVG."""
    texts = [t.text or "" for t in etree.parse(str(svg)).iter("{http://www.w3.org/2000/svg}text")]
    bar = next(t for t in texts if t.endswith((" m", " km")))
    number, unit = bar.replace(",", "").split()
    return float(number) * (1000 if unit == "km" else 1)


def test_a_walk_across_the_antimeridian_is_drawn_at_its_own_size(tmp_path: Path, tone_engines: Engines) -> None:
    walk = _walk(tmp_path, tone_engines, (-16.5, 179.9998), (-16.5, -179.9998))  # 43 m apart, across 180°
    assert _scale_bar_m(walk / "map.svg") <= 50
    bbox = json.loads((walk / "tour.geojson").read_text(encoding="utf-8"))["bbox"]
    assert bbox == [179.9998, -16.5, -179.9998, -16.5]  # RFC 7946 5.2: west greater than east across 180°


def test_a_walk_at_the_pole_is_drawn_at_its_own_size(tmp_path: Path, tone_engines: Engines) -> None:
    walk = _walk(tmp_path, tone_engines, (89.9999, 0.0), (89.9999, 180.0))  # 22 m apart, across the pole
    assert _scale_bar_m(walk / "map.svg") <= 20
