"""What a build returns: what it made, and what it cost (as the CLI reports it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from narrate.changes import ChangeReport
from narrate.export.layout import Layout
from narrate.master import Loudness
from narrate.record import Show
from narrate.synth import SynthStats
from narrate.timeline import Timeline, clock


@dataclass(frozen=True)
class Cost:
    """What a build did: sentences synthesised, chapters remixed and encoded, files rewritten."""

    synthesised: int = 0
    sentences: int = 0
    analysed: tuple[int, ...] = ()  # chapter numbers whose mix was rendered and measured anew
    encoded: tuple[int, ...] = ()  # chapters whose MP3 frames were encoded anew
    whole: tuple[str, ...] = ()  # formats encoded whole
    chapters: int = 0
    rewritten: tuple[str, ...] = ()  # file names
    kept: tuple[str, ...] = ()  # files left as they were: their content did not change
    kept_master: bool = False
    encoded_seconds: float = 0.0  # of the MP3

    def lines(self) -> list[str]:
        """The cost, as the CLI prints it."""
        cached = self.sentences - self.synthesised
        out = [f"synthesised {self.synthesised} of {self.sentences} sentences, {cached} from cache"]
        if self.chapters:
            mp3 = (f"encoded {_seconds(self.encoded_seconds)} of MP3 in {_chapters(self.encoded, self.chapters)}"
                   if self.encoded else "encoded no MP3")
            out.append(f"remixed {_chapters(self.analysed, self.chapters)}; {mp3}"
                       + (f"; encoded {', '.join(self.whole)} whole" if self.whole else ""))
        kept = f"; left {len(self.kept)} unchanged" if self.kept else ""
        out.append(f"rewrote {len(self.rewritten)} file{'s' if len(self.rewritten) != 1 else ''}"
                   + (f" ({', '.join(self.rewritten)})" if self.rewritten else "") + kept)
        return out


def _seconds(seconds: float) -> str:
    return clock(round(seconds) * 1000) if seconds >= 59.5 else f"{round(seconds)} s"


def _chapters(numbers: tuple[int, ...], total: int) -> str:
    if not numbers:
        return "no chapters"
    if len(numbers) == total:
        return f"all {total} chapters"
    return f"chapter{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))} of {total}"


@dataclass(frozen=True)
class BuildResult:
    """What a build made and what it cost."""

    output: Path  # the first format's audio file
    timeline: Timeline | None  # None when nothing changed and nothing was built
    stats: SynthStats
    loudness: Loudness | None
    manifest: Path
    layout: Layout
    show: Show
    edition: str = "full"
    outputs: dict[str, Path] = field(default_factory=dict)  # format -> audio file
    files: tuple[Path, ...] = ()  # everything the episode consists of, audio first
    base_url: str | None = None
    changes: ChangeReport | None = None
    cost: Cost = field(default_factory=Cost)
    seconds: tuple[tuple[str, float], ...] = ()  # wall time of each stage and mastering step, in order

    @property
    def unchanged(self) -> bool:
        """Nothing changed since the last build, so nothing was done."""
        return self.timeline is None


@dataclass(frozen=True)
class Failed:
    """A book of a catalogue that could not be built: its script, and what went wrong (with file and line)."""

    script: str
    message: str
