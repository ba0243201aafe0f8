"""gTTS: Google Translate's text-to-speech, online.

Every sentence is sent to Google's servers, so this engine needs the internet
and should not be used for stories that must stay private. It returns MP3,
decoded here with the bundled ffmpeg.
"""

from __future__ import annotations

import io
from pathlib import Path

from narrate.audio import Clip, decode
from narrate.engines import ResolvedVoice, VoiceInfo, quiet
from narrate.errors import EngineError
from narrate.script.model import VoiceSettings

SERVICE = "google-translate-tts"

quiet("gtts")


class GttsEngine:
    """Online synthesis through gTTS."""

    name = "gtts"

    def resolve(self, voice: VoiceSettings, base_dir: Path) -> ResolvedVoice:
        from gtts.lang import tts_langs  # a local table: no network

        langs = tts_langs()
        if voice.lang not in langs:
            raise EngineError(
                f"gtts has no language '{voice.lang}': use a code such as "
                f"{', '.join(sorted(langs)[:6])}... (see 'gtts-cli --all')"
            )
        if voice.speed != 1.0:
            raise EngineError("gtts cannot change speed: remove 'speed' or use engine piper")
        if voice.model not in ("google", VoiceSettings.model, "joe"):  # the narrator's default, inherited
            raise EngineError(
                f"gtts has one voice per language, not '{voice.model}': set 'lang' and 'tld' "
                "(accent, e.g. co.uk) instead of 'model'"
            )
        return ResolvedVoice(
            engine=self.name,
            model_id=SERVICE,
            settings=(("lang", voice.lang), ("tld", voice.tld)),
            label=f"gtts {voice.lang} ({voice.tld})",
        )

    def voices(self) -> list[VoiceInfo]:
        """One voice for each language Google offers; it is online, so nothing is installed."""
        return [
            VoiceInfo(
                self.name, "google", "(any of its languages)", "", 0.0, "online: every sentence is sent to Google"
            )
        ]

    def synthesize(self, text: str, voice: ResolvedVoice) -> Clip:
        from gtts import gTTS, gTTSError

        tts = gTTS(
            text=text,
            lang=str(voice.setting("lang")),
            tld=str(voice.setting("tld")),
            lang_check=False,
        )
        buf = io.BytesIO()
        try:
            tts.write_to_fp(buf)
        except gTTSError as exc:
            raise EngineError(
                f"gtts could not get speech from Google's text-to-speech service: {exc.msg}. "
                "gtts needs the internet; set 'engine: piper' in the voice settings to "
                "synthesise offline"
            ) from exc
        data = buf.getvalue()
        if not data:
            raise EngineError("gtts: Google's service returned no audio")
        return decode(data, "mp3")

    def version(self) -> str:
        from importlib.metadata import version

        return f"gTTS {version('gTTS')}"
