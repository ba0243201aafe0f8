"""Pacing a walking tour: does each leg's audio fit the way on to the next stop?

A leg plays when the listener reaches its stop, and the next leg when they reach the next one. If a leg runs
longer than the way on takes (along its route, at the pace of its 'travel', or the chapter's own 'pace'), it is
still talking at the next stop; if it runs far shorter, the listener travels on in silence. ``narrate check``
reports both, from the lengths it estimates; pure: no audio is made here.
"""

from __future__ import annotations

from dataclasses import dataclass

from narrate.timeline import clock as clock_ms
from narrate.tour import Stop, Tour, metres_words

LONG_SILENCE_S = 10 * 60  # more than this with nothing to hear, on the way to a stop, is worth a warning


@dataclass(frozen=True)
class Leg:
    """One stop's leg and the way on from it."""

    stop: Stop  # where the leg plays
    next: Stop  # where the next one does
    audio_s: float  # how long the leg plays: as last built, or estimated
    built: bool = False  # whether audio_s is the last build's

    @property
    def way_s(self) -> float:
        """How long the way on takes, at its pace."""
        return self.next.route_m / (self.next.way_kmh / 3.6)

    @property
    def overrun_s(self) -> float:
        """How much longer the leg plays than the way on takes (negative: it ends before the next stop)."""
        return self.audio_s - self.way_s


def legs(tour: Tour, seconds: dict[int, float], built: set[int] | None = None) -> list[Leg]:
    """Each stop but the last, with its leg's length (``seconds`` by chapter number; ``built``, the chapters whose
    length is the last build's) and the way on."""
    stops = tour.stops
    return [Leg(a, b, seconds.get(a.number, 0.0), a.number in (built or set())) for a, b in zip(stops, stops[1:])]


def pacing_warnings(path: str, tour_legs: list[Leg]) -> list[str]:
    """A warning, with its chapter's line, for each leg still talking at the next stop, or leaving the listener
    more than LONG_SILENCE_S with nothing to hear."""
    out = []
    for leg in tour_legs:
        a, b = leg.stop, leg.next
        way = (f"the way on to stop {b.number}, {b.place} ({metres_words(b.route_m)}), takes about "
               f"{clock(leg.way_s)} {b.way_words}")
        if leg.overrun_s > 0:
            out.append(f"warning: {path}:{a.line}: stop {a.number}'s leg ('{a.title}') plays for about "
                       f"{clock(leg.audio_s)}, but {way}: it would still be playing {clock(leg.overrun_s)} after the "
                       f"listener reaches {b.place}; shorten the leg, or give the way a slower 'pace' or a longer "
                       "route")
        elif -leg.overrun_s > LONG_SILENCE_S:
            out.append(f"warning: {path}:{a.line}: stop {a.number}'s leg ('{a.title}') plays for about "
                       f"{clock(leg.audio_s)}, and {way}: {clock(-leg.overrun_s)} with nothing to hear; lengthen "
                       "the leg, or add a stop on the way")
    return out


def pacing_lines(tour_legs: list[Leg]) -> list[str]:
    """The pacing, a line a leg, as 'narrate check' shows it."""
    out = []
    for leg in tour_legs:
        a, b = leg.stop, leg.next
        gap = (f"{clock(leg.overrun_s)} over" if leg.overrun_s > 0 else f"{clock(-leg.overrun_s)} quiet")
        out.append(f"  {a.number:>2} → {b.number:<2} {clock(leg.audio_s):>7} {'as built' if leg.built else 'to hear'}, "
                   f"{metres_words(b.route_m)} {b.way_words} in {clock(leg.way_s)}: {gap}")
    return out


def clock(seconds: float) -> str:
    """'m:ss', or 'h:mm:ss' from an hour, to the nearest second."""
    return clock_ms(round(seconds) * 1000)
