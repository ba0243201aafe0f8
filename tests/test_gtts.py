"""The gtts engine, with Google's HTTP endpoint faked at the requests layer."""

from __future__ import annotations

import base64
import subprocess
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
import requests
from click.testing import CliRunner

from narrate.audio import ffmpeg_exe
from narrate.build import build
from narrate.options import BuildHooks, BuildOptions
from narrate.cli import cli
from narrate.engines import Engines
from narrate.engines.gtts import GttsEngine
from narrate.script import VoiceSettings

from conftest import decode, write_script

FRONT = "---\ntitle: Online\nvoice:\n  engine: gtts\n  lang: en\n  tld: co.uk\n---\n"


def tone_mp3(seconds: float = 0.8, freq: float = 440.0) -> bytes:
    """A real MP3, as Google would send, made with ffmpeg."""
    return subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", f"sine=frequency={freq}:duration={seconds}:sample_rate=24000",
         "-ac", "1", "-c:a", "libmp3lame", "-b:a", "32k", "-f", "mp3", "-"],
        capture_output=True, check=True,
    ).stdout


class FakeGoogle:
    """Stands in for requests.Session.send; records what gTTS asked for."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail = fail
        self.requests: list[requests.PreparedRequest] = []
        self.audio = tone_mp3()

    def __call__(self, session: requests.Session, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        self.requests.append(request)
        if self.fail:
            raise self.fail
        payload = base64.b64encode(self.audio).decode("ascii")
        body = f')]}}\'\n\n123\n[["wrb.fr","jQ1olc","[\\"{payload}\\"]",null,null,null,"generic"]]\n'
        response = requests.Response()
        response.status_code = 200
        response._content = body.encode("utf-8")
        response._content_consumed = True  # iter_lines then reads _content, not a socket
        response.request = request
        response.url = request.url or ""
        return response

    def texts(self) -> list[str]:
        """The sentence each request asked Google to speak."""
        out = []
        for r in self.requests:
            form = urllib.parse.parse_qs(r.body if isinstance(r.body, str) else r.body.decode())
            out.append(form["f.req"][0])
        return out


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch) -> FakeGoogle:
    fake = FakeGoogle()
    monkeypatch.setattr(requests.Session, "send", lambda s, request, **k: fake(s, request, **k))
    return fake


def test_gtts_builds_an_episode_through_the_http_layer(tmp_path: Path, google: FakeGoogle) -> None:
    script = write_script(tmp_path, "# One\nThey left at 3:30am.\n", FRONT)
    result = build(str(script), BuildOptions(output=str(tmp_path / "ep.mp3"), cache_dir=tmp_path / "cache"), Engines())
    assert result.stats.synthesised == 5  # title, chapter title, one sentence, two of the spoken close
    assert all(r.url.startswith("https://translate.google.co.uk/") for r in google.requests)
    assert any("three thirty AM" in t for t in google.texts())  # normalised before Google sees it
    audio = decode(tmp_path / "ep.mp3")
    spectrum = np.abs(np.fft.rfft(audio))
    assert abs(np.argmax(spectrum) * 44100 / len(audio) - 440) < 5  # Google's audio is what plays


def test_gtts_unreachable_names_chapter_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeGoogle(fail=requests.ConnectionError("Name or service not known"))
    monkeypatch.setattr(requests.Session, "send", lambda s, request, **k: fake(s, request, **k))
    monkeypatch.setenv("NARRATE_CACHE_DIR", str(tmp_path / "cache"))
    script = write_script(tmp_path, "# Across the river\nThey left.\n", FRONT)
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:
        runner = CliRunner()
    result = runner.invoke(cli, ["build", str(script), "-o", str(tmp_path / "out" / "ep.mp3")])
    assert result.exit_code == 1
    assert result.stderr == (
        f"{script}:1: chapter 1 'Across the river': gtts could not get speech from Google's "
        "text-to-speech service: Failed to connect. Probable cause: Host 'https://translate.google.co.uk/' "
        "is not reachable. gtts needs the internet; "
        "set 'engine: piper' in the voice settings to synthesise offline\n"
    )
    assert not (tmp_path / "out").exists()


def test_gtts_rejects_unknown_language() -> None:
    with pytest.raises(Exception) as err:
        GttsEngine().resolve(VoiceSettings(engine="gtts", lang="xx"), Path("."))
    assert str(err.value.message).startswith("gtts has no language 'xx': use a code such as")


def test_gtts_cache_key_depends_on_accent(tmp_path: Path) -> None:
    uk = GttsEngine().resolve(VoiceSettings(engine="gtts", tld="co.uk"), tmp_path)
    us = GttsEngine().resolve(VoiceSettings(engine="gtts", tld="com"), tmp_path)
    from narrate.plan import speech_key

    assert speech_key(uk, "Hello.") != speech_key(us, "Hello.")


@pytest.mark.live
def test_gtts_live(tmp_path: Path) -> None:
    """Talks to Google for real: run with --run-live on a machine with internet."""
    engine = GttsEngine()
    voice = engine.resolve(VoiceSettings(engine="gtts"), tmp_path)
    clip = engine.synthesize("Hello from narrate.", voice)
    assert clip.seconds > 0.5
