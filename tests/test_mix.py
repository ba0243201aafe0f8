"""The mix, measured on real decoded audio: beds, ducking, crossfades, loops, cues, loudness, editions.

The tone engine speaks a 300 Hz tone; the test beds are sines far from it, so a
band-pass filter hears the bed alone even while the voice plays.
"""

from __future__ import annotations

import json
import subprocess
import wave
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import butter, sosfiltfilt

from narrate.audio import ffmpeg_exe, resample_array, resampled_length
from narrate.build import build
from narrate.options import BuildHooks, BuildOptions
from narrate.engines import Engines
from narrate.errors import NarrateError
from narrate.loudness import frame_energies, frame_true_peaks, integrated, limiter_gains, solve_master, frame_curve
from narrate.meter import ffmpeg_summary, measure_file
from narrate.mix import DUCK_HOLD, DUCK_RELEASE
from narrate.sounds import load_sound, make_loop

from conftest import loudness, rms_db, write_script

RATE = 44100


def write_sound(path: Path, samples: np.ndarray, rate: int = RATE, args: tuple[str, ...] = ()) -> Path:
    """Write float samples (frames, channels) in the format the suffix names, with ffmpeg."""
    samples = samples if samples.ndim == 2 else samples[:, None]
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "s16le", "-ar", str(rate), "-ac", str(samples.shape[1]),
         "-i", "-", *args, str(path)],
        input=pcm, check=True,
    )
    return path


def sine(freq: float, seconds: float, rate: int = RATE, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return amp * np.sin(2 * np.pi * freq * t)


def decode_stereo(path: Path) -> np.ndarray:
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "2", "-ar", str(RATE), "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<i2").reshape(-1, 2).astype(np.float64) / 32768.0


def band(audio: np.ndarray, centre: float, width: float = 400) -> np.ndarray:
    sos = butter(4, [centre - width / 2, centre + width / 2], btype="bandpass", fs=RATE, output="sos")
    return sosfiltfilt(sos, audio.mean(axis=1) if audio.ndim == 2 else audio)


def window(x: np.ndarray, a_ms: float, b_ms: float) -> np.ndarray:
    return x[int(a_ms * RATE / 1000) : int(b_ms * RATE / 1000)]


MIX = """\
---
title: Mix Test
author: Test Author
mix:
  cue: false
  intro: false
  outro: false
{extra}
---
"""


WITH_STINGS = MIX.replace("  cue: false\n  intro: false\n  outro: false\n", "").format(
    extra="  cue: chime\n  intro: true\n  outro: true")


def mix_front(*lines: str) -> str:
    return MIX.format(extra="\n".join(f"  {line}" for line in lines))


@pytest.fixture
def built(tmp_path: Path, tone_engines: Engines):  # type: ignore[no-untyped-def]
    def run(body: str, front: str, edition: str = "full"):  # type: ignore[no-untyped-def]
        script = write_script(tmp_path, body, front)
        out = tmp_path / ("ep.mp3" if edition == "full" else "ep-speech.mp3")
        result = build(str(script), BuildOptions(output=str(out), cache_dir=tmp_path / "cache", edition=edition), tone_engines)
        return result, decode_stereo(out)
    return run


# --- ducking -----------------------------------------------------------------


DUCK_BODY = """\
# One
ambient: bed.wav

The voice speaks for a while here. It carries on speaking. Then it stops.

[pause 5s]

It speaks again after the long pause, at some length.
"""


def test_bed_is_ducked_under_the_voice_by_the_configured_amount(tmp_path: Path, built) -> None:  # type: ignore[no-untyped-def]
    write_sound(tmp_path / "bed.wav", np.stack([sine(5000, 3.0)] * 2, axis=1))
    result, audio = built(DUCK_BODY, mix_front("ducking: 12", "bed_level: -20", "crossfade: 0", "fade: 0.5"))
    bed = band(audio, 5000)
    text = [s for s in result.timeline.sentences if s.role == "text"]
    under = np.concatenate([window(bed, s.start_ms + 300, s.end_ms - 300) for s in text])
    # the long pause: after the hold and release, before the next word's attack
    pause_start = text[2].end_ms + (DUCK_HOLD + DUCK_RELEASE) * 1000 + 200
    pause = window(bed, pause_start, text[3].start_ms - 400)
    assert len(pause) > RATE  # at least a second of pause to measure
    drop = rms_db(pause) - rms_db(under)
    print(f"ducking measured {drop:.2f} dB")
    assert drop == pytest.approx(12, abs=1.0)


def test_bed_stays_down_between_sentences_without_pumping(tmp_path: Path, built) -> None:  # type: ignore[no-untyped-def]
    write_sound(tmp_path / "bed.wav", np.stack([sine(5000, 3.0)] * 2, axis=1))
    result, audio = built(DUCK_BODY, mix_front("ducking: 12"))
    bed = band(audio, 5000)
    s1, s2 = [s for s in result.timeline.sentences if s.role == "text"][:2]
    gap = window(bed, s1.end_ms + 50, s2.start_ms - 50)  # the 350 ms between two sentences
    during = window(bed, s1.start_ms + 300, s1.end_ms - 300)
    assert rms_db(gap) - rms_db(during) < 1.0


def test_bed_sits_at_its_level_relative_to_the_speech(tmp_path: Path, built) -> None:  # type: ignore[no-untyped-def]
    write_sound(tmp_path / "bed.wav", np.stack([sine(5000, 3.0)] * 2, axis=1))
    result, audio = built(DUCK_BODY, mix_front("ducking: 10", "bed_level: -18"))
    meter = pyloudnorm.Meter(RATE)
    text = [s for s in result.timeline.sentences if s.role == "text"]
    speech = band(audio, 300)
    speech_lufs = meter.integrated_loudness(window(speech, text[0].start_ms + 100, text[0].end_ms - 100))
    pause_start = text[2].end_ms + (DUCK_HOLD + DUCK_RELEASE) * 1000 + 200
    bed_lufs = meter.integrated_loudness(window(band(audio, 5000), pause_start, text[3].start_ms - 400))
    assert bed_lufs - speech_lufs == pytest.approx(-18, abs=1.0)


# --- loops, fades and crossfades ----------------------------------------------


def test_a_bed_that_does_not_loop_is_joined_without_a_click(tmp_path: Path, built) -> None:  # type: ignore[no-untyped-def]
    # 0.5037 s of 440 Hz ends mid-cycle: tiled as it is, every join would jump.
    raw = sine(440, 0.5037)
    assert abs(raw[-1] - raw[0]) > 0.1
    write_sound(tmp_path / "bed.wav", raw)
    body = "# One\nambient: bed.wav\n\nA short line.\n\n[pause 8s]\n\nThe end.\n"
    result, audio = built(body, mix_front("ducking: 0", "fade: 0.2"))
    first, last = [s for s in result.timeline.sentences if s.role == "text"][:2]
    x = window(audio.mean(axis=1), first.end_ms + 300, last.start_ms - 300)  # bed alone, many loops
    amp = np.max(np.abs(x))
    assert amp > 0.005
    # A sine's largest step between samples is A*2*pi*f/rate (0.063 A); a click is far larger.
    assert np.max(np.abs(np.diff(x))) < 0.09 * amp


def test_make_loop_joins_head_and_tail_smoothly() -> None:
    for samples in (np.stack([sine(440, 0.5037)] * 2, axis=1).astype(np.float32),
                    np.random.default_rng(3).standard_normal((30000, 2)).astype(np.float32) * 0.1):
        loop = make_loop(samples, RATE, seconds=0.1)
        twice = np.concatenate([loop, loop])
        join = len(loop)
        step = np.abs(twice[join] - twice[join - 1]).max()
        typical = np.abs(np.diff(samples, axis=0)).max()
        assert step <= typical * 1.05
        # the level stays steady through the crossfade
        assert rms_db(loop[: int(0.1 * RATE)]) == pytest.approx(rms_db(samples), abs=1.0)


def test_consecutive_legs_crossfade_their_beds(tmp_path: Path, built) -> None:  # type: ignore[no-untyped-def]
    write_sound(tmp_path / "a.wav", np.stack([sine(3000, 2.0)] * 2, axis=1))
    write_sound(tmp_path / "b.wav", np.stack([sine(6000, 2.0)] * 2, axis=1))
    body = "# One\nambient: a.wav\n\nFirst leg.\n\n[pause 5s]\n\n# Two\nambient: b.wav\n\n[pause 5s]\n\nSecond leg.\n"
    result, audio = built(body, mix_front("ducking: 0", "crossfade: 3", "fade: 0.5"))
    boundary = result.timeline.chapters[1].start_ms
    a, b = band(audio, 3000), band(audio, 6000)

    def level(x: np.ndarray, at_ms: float) -> float:
        return rms_db(window(x, at_ms - 100, at_ms + 100))

    full_a, full_b = level(a, boundary - 2500), level(b, boundary + 2500)
    assert level(b, boundary - 2500) < full_b - 40  # B not yet playing
    assert level(a, boundary + 2500) < full_a - 40  # A gone
    # equal-power: each is 3 dB down at the midpoint, so the total holds steady
    assert level(a, boundary) == pytest.approx(full_a - 3, abs=1.0)
    assert level(b, boundary) == pytest.approx(full_b - 3, abs=1.0)
    # and both are moving: a quarter of the way in, A is louder than B
    assert level(a, boundary - 750) > level(b, boundary - 750)


def test_bed_fades_in_at_the_start(tmp_path: Path, built) -> None:  # type: ignore[no-untyped-def]
    write_sound(tmp_path / "bed.wav", np.stack([sine(5000, 2.0)] * 2, axis=1))
    body = "# One\nambient: bed.wav\n\n[pause 6s]\n\nLate words.\n"
    _, audio = built(body, mix_front("ducking: 0", "fade: 3"))
    bed = band(audio, 5000)
    levels = [rms_db(window(bed, t, t + 200)) for t in (200, 1400, 3500)]
    assert levels[0] < levels[1] - 6 and levels[1] < levels[2] - 1


def test_user_sounds_in_any_format_rate_and_channel_count(tmp_path: Path) -> None:
    cases = {
        "mono22.ogg": (sine(1000, 1.0, 22050)[:, None], 22050, ("-c:a", "libvorbis")),
        "quad48.flac": (np.stack([sine(1000, 1.0, 48000)] * 4, axis=1), 48000, ()),
        "stereo32.mp3": (np.stack([sine(1000, 1.0, 32000)] * 2, axis=1), 32000, ("-c:a", "libmp3lame")),
        "mono16.wav": (sine(1000, 1.0, 16000)[:, None], 16000, ()),
    }
    for name, (samples, rate, args) in cases.items():
        audio = load_sound(write_sound(tmp_path / name, samples, rate, args), RATE)
        assert audio.shape[1] == 2 and abs(len(audio) / RATE - 1.0) < 0.06, name
        spectrum = np.abs(np.fft.rfft(audio[:, 0]))
        assert abs(np.argmax(spectrum) * RATE / len(audio) - 1000) < 3, name


def test_a_sound_file_that_is_not_audio_is_one_clear_error(tmp_path: Path, built) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bed.wav").write_bytes(b"not a wave file at all")
    with pytest.raises(NarrateError) as err:
        built("# One\nambient: bed.wav\n\nHi.\n", mix_front())
    assert err.value.format_message() == (
        f"{tmp_path}/story.md:11: sound file bed.wav is not audio narrate can read (is it damaged?)")
    assert not (tmp_path / "ep.mp3").exists()


# --- loudness ------------------------------------------------------------------


def test_loudness_meter_matches_pyloudnorm_and_combines_chapter_by_chapter() -> None:
    rng = np.random.default_rng(7)
    t = np.arange(RATE * 50) / RATE  # longer than one analysis piece (2**20 samples)
    x = np.stack([0.3 * np.sin(2 * np.pi * 220 * t) * (t % 4 < 2.5), 0.05 * rng.standard_normal(len(t))], axis=1)
    expected = pyloudnorm.Meter(RATE).integrated_loudness(x)
    assert integrated(frame_energies(x, RATE)) == pytest.approx(expected, abs=0.01)
    cut = RATE * 7  # two "chapters", measured separately and combined
    parts = np.concatenate([frame_energies(x[:cut], RATE), frame_energies(x[cut:], RATE)])
    assert integrated(parts) == pytest.approx(expected, abs=0.02)


def test_true_peaks_do_not_depend_on_how_the_audio_is_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    import narrate.loudness as loudness

    rng = np.random.default_rng(11)
    x = (0.3 * rng.standard_normal((RATE * 3, 2))).astype(np.float32)
    whole, energies = frame_true_peaks(x, RATE), frame_energies(x, RATE)
    monkeypatch.setattr(loudness, "BLOCK_SAMPLES", 44100 // 3)  # many small pieces
    assert np.allclose(frame_true_peaks(x, RATE), whole, rtol=1e-6)
    assert np.allclose(frame_energies(x, RATE), energies, rtol=1e-9)
    # and the oversampled peak is what scipy's polyphase resampler finds
    from scipy.signal import resample_poly

    reference = np.abs(resample_poly(x.astype(np.float64), 4, 1, axis=0)).max()
    assert whole.max() == pytest.approx(reference, rel=0.01)


def test_true_peaks_are_the_interpolators_outputs_frame_by_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each frame's peak is the largest output of BS.1770's 48-tap interpolator in that frame's stretch,
    as scipy's upfirdn computes it, however the work is cut into chunks, mono or stereo, from any start."""
    import narrate.loudness as loudness
    from scipy.signal import upfirdn

    rng = np.random.default_rng(12)
    x = (0.1 * rng.standard_normal((RATE * 2 + 123, 2))).astype(np.float32)
    h = loudness._interpolator().astype(np.float64)
    delay, f = (len(h) - 1) // 2, RATE // 100
    for j, d in enumerate(range(-3, 4)):  # clicks at and around frame boundaries: which frame has their peak
        x[(10 + 20 * j) * f + d, j % 2] = 0.9

    def reference(audio: np.ndarray, first: int, frames: int) -> np.ndarray:
        up = upfirdn(h, audio.astype(np.float64), up=4, axis=0)
        core = np.abs(up[first * 4 + delay : (first + frames * f) * 4 + delay])
        return core.reshape(frames, -1).max(axis=1)

    for chunk in (2**16, 1000, 441 * 4 + 7):
        monkeypatch.setattr(loudness, "PEAK_CHUNK", chunk)
        assert np.allclose(frame_true_peaks(x, RATE), reference(x, 0, 200), rtol=1e-6, atol=0)
        assert np.allclose(frame_true_peaks(x, RATE, 977, 977 + 50 * f + 30), reference(x, 977, 50), rtol=1e-6)
        assert np.allclose(frame_true_peaks(x[:, :1], RATE), reference(x[:, :1], 0, 200), rtol=1e-6)


def test_the_meters_true_peak_is_the_highest_interpolated_value_however_the_audio_comes() -> None:
    """The meter oversamples only the frames that could hold the highest true peak; what it finds is the
    largest output of the interpolator over the whole stream (scipy's upfirdn), fed in any pieces, mono or
    stereo, with the peak between two samples, at the very start or at the very end."""
    import narrate.loudness as loudness
    from narrate.meter import _TruePeak
    from scipy.signal import upfirdn

    rng = np.random.default_rng(5)
    h = loudness._interpolator().astype(np.float64)
    n = RATE * 3
    tone = 0.5 * np.sin(2 * np.pi * (RATE / 4) * np.arange(n) / RATE + np.pi / 4)  # samples at 0.71 of its peak
    cases = {
        "speech-like": 0.05 * rng.standard_normal((n, 2)) * (np.arange(n)[:, None] % 9000 < 3000),
        "between samples": np.stack([0.02 * rng.standard_normal(n), np.where(np.arange(n) > n - 600, tone, 0)], 1),
        "first sample": np.r_[[[0.95, 0.0]], 0.01 * rng.standard_normal((n - 1, 2))],
        "last sample": np.r_[0.01 * rng.standard_normal((n - 1, 1)), [[-0.97]]],
    }
    for name, x in cases.items():
        x = x.astype(np.float32)
        expected = np.abs(upfirdn(h, x.astype(np.float64), up=4, axis=0)).max()
        for sizes in ([n], [1, 7, 255, 256, 257, 5000], list(rng.integers(1, 3000, 200))):
            meter, at = _TruePeak(x.shape[1]), 0
            for size in sizes:
                meter.feed(x[at : at + size])
                at += size
            meter.feed(x[at:])
            assert meter.finish() == pytest.approx(expected, rel=1e-5), (name, sizes[:3])


def test_measuring_a_file_that_is_not_audio_is_one_line(tmp_path: Path) -> None:
    """The meter's ffmpeg cannot decode it: one ExportError naming the file, with ffmpeg's reason, and no
    process or thread left behind."""
    import threading

    from narrate.errors import ExportError

    path = tmp_path / "episode.mp3"
    path.write_text("<!doctype html><title>404</title>\n")
    before = threading.active_count()
    for seconds in (None, 900.0):  # whole, and in two stretches at once
        with pytest.raises(ExportError) as err:
            measure_file(str(path), seconds)
        assert str(err.value).startswith(f"could not measure the loudness of {path}: ")
        assert "\n" not in str(err.value)
    assert threading.active_count() == before


@pytest.mark.parametrize("src", [22050, 24000, 16000, 48000])
def test_resampling_keeps_the_tone_and_the_count_the_layouts_expect(src: int) -> None:
    n = src + 7
    x = (0.5 * np.sin(2 * np.pi * 440 * np.arange(n) / src)).astype(np.float32)
    y = resample_array(np.stack([x, -x], axis=1), src, RATE)
    assert y.dtype == np.float32 and y.shape == (resampled_length(n, src, RATE), 2)
    expected = 0.5 * np.sin(2 * np.pi * 440 * np.arange(len(y)) / RATE)
    middle = slice(RATE // 10, len(y) - RATE // 10)  # away from the ends, where the filter meets silence
    assert np.abs(y[middle, 0] - expected[middle]).max() < 1e-3
    assert np.array_equal(y[:, 1], -y[:, 0])


def test_limiter_reaches_the_target_without_passing_the_ceiling() -> None:
    rng = np.random.default_rng(8)
    t = np.arange(RATE * 10) / RATE
    x = 0.2 * np.sin(2 * np.pi * 200 * t)[:, None] * np.ones(2)
    hits = rng.integers(0, len(t) - 2000, 30)
    for h in hits:  # sharp transients 12 dB over the tone: a plain gain would clip them
        x[h : h + 300] += 0.8 * rng.standard_normal((300, 1))
    energies, peaks = frame_energies(x, RATE), frame_true_peaks(x, RATE)
    master = solve_master(energies, peaks, -14.0, -2.0)
    y = x * 10 ** (master.gain_db / 20) * frame_curve(master.limiter, 0, len(master.limiter), RATE)[:, None]
    assert 20 * np.log10(frame_true_peaks(y, RATE).max()) <= -2.0 + 0.05
    assert pyloudnorm.Meter(RATE).integrated_loudness(y) == pytest.approx(-14.0, abs=0.1)
    assert master.limited_frames > 0
    # The gain moves smoothly (it is interpolated within frames): under 4 dB from one 10 ms frame to the next.
    assert np.max(np.abs(np.diff(20 * np.log10(master.limiter)))) < 4.0


def test_limiter_gains_never_exceed_any_frames_need() -> None:
    rng = np.random.default_rng(9)
    peaks = np.abs(rng.standard_normal(5000)) * 0.5
    gains = limiter_gains(peaks, 0.5)
    assert np.all(peaks * gains <= 0.5 + 1e-9)
    assert np.all(gains <= 1.0)


LOUD_BODY = """\
# One
ambient: bed.wav

Some words to measure. More words follow here, and then a few more.

# Two
ambient: other.wav

The second leg speaks as well. It has two sentences.
"""


def beds_for_loudness(folder: Path) -> None:
    rng = np.random.default_rng(10)
    write_sound(folder / "bed.wav", 0.3 * rng.standard_normal((RATE * 3, 2)))
    write_sound(folder / "other.wav", np.stack([sine(120, 3.0), sine(121, 3.0)], axis=1))


def test_episode_meets_podcast_loudness_after_encoding(tmp_path: Path, built) -> None:  # type: ignore[no-untyped-def]
    beds_for_loudness(tmp_path)
    result, audio = built(LOUD_BODY, WITH_STINGS)
    independent = ffmpeg_summary(str(tmp_path / "ep.mp3"))  # ffmpeg's own meter on the decoded MP3
    assert independent.integrated_lufs == pytest.approx(-16.0, abs=0.5)
    assert independent.true_peak_dbtp <= -1.0
    assert pyloudnorm.Meter(RATE).integrated_loudness(audio) == pytest.approx(-16.0, abs=0.5)
    # The build reports what it measured (its meter read the MP3's pieces as they were made: the same frames,
    # with the encoder's delay and padding the file's header trims), and records it.
    got = result.loudness.measured
    assert got.integrated_lufs == pytest.approx(independent.integrated_lufs, abs=0.1), (got, independent)
    assert got.true_peak_dbtp == pytest.approx(independent.true_peak_dbtp, abs=0.1), (got, independent)
    assert got.loudness_range_lu == pytest.approx(independent.loudness_range_lu, abs=0.5), (got, independent)
    record = json.loads(result.manifest.read_text())
    assert record["loudness"]["measured"]["integrated_lufs"] == round(got.integrated_lufs, 2)
    assert record["loudness"]["target_lufs"] == -16.0


def test_mono_episode_aims_for_minus_19(tmp_path: Path, built) -> None:  # type: ignore[no-untyped-def]
    beds_for_loudness(tmp_path)
    result, _ = built(LOUD_BODY, mix_front("channels: 1"))
    info = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(tmp_path / "ep.mp3")], capture_output=True, text=True).stderr
    assert "mono" in info
    assert loudness(tmp_path / "ep.mp3")[0] == pytest.approx(-19.0, abs=0.5)
    assert result.loudness.target_lufs == -19.0


def test_loudness_targets_come_from_the_front_matter(tmp_path: Path, built) -> None:  # type: ignore[no-untyped-def]
    beds_for_loudness(tmp_path)
    built(LOUD_BODY, mix_front("loudness: -20", "true_peak: -3"))
    lufs, peak = loudness(tmp_path / "ep.mp3")
    assert lufs == pytest.approx(-20.0, abs=0.5)
    assert peak <= -3.0


# --- editions ------------------------------------------------------------------


def test_speech_only_edition_reuses_the_speech_and_drops_beds_and_stings(tmp_path: Path, built, tone) -> None:  # type: ignore[no-untyped-def]
    write_sound(tmp_path / "bed.wav", np.stack([sine(5000, 3.0)] * 2, axis=1))
    front = WITH_STINGS
    full, full_audio = built(DUCK_BODY, front)
    calls = len(tone.calls)
    speech, speech_audio = built(DUCK_BODY, front, edition="speech")
    assert len(tone.calls) == calls and speech.stats.synthesised == 0  # nothing synthesised again
    assert speech.output.name == "ep-speech.mp3"
    assert [c.title for c in speech.timeline.chapters] == [c.title for c in full.timeline.chapters]
    assert [s.spoken for s in speech.timeline.sentences] == [s.spoken for s in full.timeline.sentences]
    # The bed is in the full edition and nowhere in the speech edition.
    assert rms_db(band(full_audio, 5000)) > -45
    assert rms_db(band(speech_audio, 5000)) < -70
    # No intro sting: the speech edition opens with the spoken title, the full one with the sting.
    first = speech.timeline.sentences[0]
    assert first.start_ms < full.timeline.sentences[0].start_ms - 1000
    assert loudness(speech.output)[0] == pytest.approx(-16.0, abs=0.5)


# --- errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "front, message",
    [
        ("mix:\n  duck: 3\n", "s.md:4: unknown mix setting 'duck' (did you mean 'ducking'?) (known: bed_level, ducking, fade, crossfade, cue, intro, outro, close, loudness, true_peak, channels)"),
        ("mix:\n  ducking: lots\n", "s.md:4: mix 'ducking' must be a number from 0 to 40 dB, not 'lots'"),
        ("mix:\n  loudness: -5\n", "s.md:4: mix 'loudness' must be a number from -36 to -10 LUFS, not '-5'"),
        ("mix:\n  channels: 6\n", "s.md:4: mix 'channels' must be 1 (mono) or 2 (stereo), not '6'"),
        ("mix:\n  cue: 3\n", "s.md:4: mix 'cue' must be true, false, a shipped sound's name or a sound file, not '3'"),
        ("mix: loud\n", "s.md:3: 'mix' must be a mapping of settings (bed_level, ducking, fade, crossfade, cue, intro, outro, close, loudness, true_peak, channels)"),
    ],
)
def test_bad_mix_settings_give_one_exact_message(front: str, message: str) -> None:
    from narrate.script import parse_script

    with pytest.raises(NarrateError) as err:
        parse_script(f"---\ntitle: T\n{front}---\n# One\nHi.\n", "s.md")
    assert err.value.format_message() == message


def test_unknown_cue_name_points_at_its_line(tmp_path: Path, built) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NarrateError) as err:
        built("# One\nHi.\n", "---\ntitle: T\nmix:\n  cue: chimes\n---\n")
    assert err.value.format_message() == (
        f"{tmp_path}/story.md:4: unknown cue 'chimes' (did you mean 'chime'?): use a file path or one of: chime, intro, outro"
    )


def test_a_long_file_measured_in_halves_reads_as_a_whole(tmp_path: Path) -> None:
    """The halves' 400 ms and 3 s loudness, joined, give what one pass of ffmpeg's own meter gives (it prints
    its summary to 0.1 LU), and the true peak is the larger half's."""
    from narrate.meter import SPLIT_SECONDS, ffmpeg_summary

    rng = np.random.default_rng(3)
    rate, seconds = 44100, SPLIT_SECONDS + 30  # a rate narrate writes: 4x oversampling, as ffmpeg's 192 kHz
    t = np.arange(rate * seconds) / rate
    level = np.where((t % 7) < 4, 0.2, 0.03) * np.where(t < seconds / 2, 1.0, 0.5)  # louder first half
    x = (level * rng.standard_normal(len(t))).astype(np.float32)
    x[int(rate * seconds * 0.75)] = 0.9  # the peak is in the second half
    path = tmp_path / "long.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    whole, halves, one = ffmpeg_summary(str(path)), measure_file(str(path), seconds), measure_file(str(path))
    assert abs(halves.integrated_lufs - whole.integrated_lufs) <= 0.06
    assert halves.true_peak_dbtp == pytest.approx(one.true_peak_dbtp, abs=1e-6)
    # white noise reaches the Nyquist frequency, where BS.1770's short interpolator reads lower than
    # ffmpeg's long one (192 kHz): on a band-limited signal (speech, narrate's episodes) they agree
    assert whole.true_peak_dbtp - 0.5 <= halves.true_peak_dbtp <= whole.true_peak_dbtp
    assert abs(halves.loudness_range_lu - whole.loudness_range_lu) <= 0.2
    assert halves.loudness_range_lu > 3  # the quieter half is there
