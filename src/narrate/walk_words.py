"""The walk's words in the script's language: the walking page, its map in words, the directions on.

English, Spanish, French, Italian, Portuguese and German, as the episode page has them (narrate.phrases); any
other language gets English. Each text is a template: ``{place}``, ``{d}`` (a distance, written by
``distance_in``) and ``{dir}`` (a compass point, by ``compass_in``) are filled in here or by the page's script.
Pure data and string functions.
"""

from __future__ import annotations

from narrate.geo import distance_words
from narrate.phrases import primary
from narrate.walk_words_other import OTHER

_EN = {
    "page_title": "{title}: the walk",
    "intro": "A walk of {n} stops, {length}.", "intro_by": "A walk of {n} stops, {length}, by {author}.",
    "intro_more": "Each stop's part of the story plays when you reach it. Use headphones, and look where you are "
                  "going.",
    "start": "Start the walk", "following": "Following where you are",
    "status_first": "Press Start: the page then follows where you are (your phone asks first). Without it, play each "
                    "stop yourself below.",
    "next_heading": "Next stop", "directions_group": "Directions", "where": "Where is it?", "directions": "Directions",
    "beacon": "Beacon", "beacon_on": "Beacon on",
    "beacon_help": "The beacon ticks from the direction of the next stop, in your headphones: higher ahead, lower "
                   "behind, and quicker when you face it. It is quiet while a stop plays. Press B, or the button, to "
                   "switch it on or off.",
    "now_playing": "Now playing:", "nothing_yet": "nothing yet", "stops_group": "Stops", "previous": "Previous stop",
    "replay": "Replay", "next": "Next stop", "finish": "Let a stop finish before the next one starts",
    "stops_heading": "Stops", "play_stop": "Play {n}. {place}", "not_heard": "not yet heard", "heard": "heard",
    "playing": "playing", "paused": "paused", "queued": "next, after this one",
    "transcript": "Transcript", "transcript_none": "The words of the stop playing show here.",
    "map": "Map", "map_listed": "The stops are listed in words below.", "other_apps": "For other apps:",
    "gpx_for": "(Soundscape, GPS apps)", "whole_episode": "the whole episode", "and": "and",
    "colon": ": ", "away": "{d} {dir}", "no_next": "None: that was the last stop.", "arriving": "Arriving at {place}",
    "arriving_later": "Arriving at {place}: it plays when this stop ends",
    "blocked": "The phone stopped the sound from starting on its own: press Play in the player, or on the stop.",
    "jumped": "Your position jumped {d}. If that is not where you are, wait for the next fix; stops already heard "
              "will not play again.",
    "following_again": "Following your position again.",
    "following_within": "Following your position (to within {m} m).",
    "other_way": "At {place}, but coming from another way: it plays when you head {dir}, or press its Play.",
    "back_at": "You are back at {place}, already heard: press Replay or its Play to hear it again.",
    "rough": "Your position is rough (to within {m} m): stops wait for a better fix.",
    "denied": "Location is off or not allowed for this page, so the walk cannot follow you. Play each stop with its "
              "button, or with Next and Previous. To be followed, allow location for this page and press Start again.",
    "no_fix": "No position yet (it can take a minute, outdoors). Stops can still be played with their buttons.",
    "no_position": "The position cannot be found just now. Stops can still be played with their buttons.",
    "finding": "Finding where you are...",
    "stalled": "No new position for {s} s: the signal may be lost. Stops can still be played with their buttons.",
    "last": "That was the last stop.", "not_known": "Stop {n}, {place}: where you are is not known yet; press Start.",
    "where_is": "Stop {n}, {place}, is {d} {dir} of you.", "go_to": "Go to {place}.",
    "go_to_far": "Go to {place}, {away}.",
    "over": "Stop {n} is over. Next: {place}.", "over_far": "Stop {n} is over. Next: {place}, {away}.",
    "thanks": "That was the last stop. Thank you for walking.",
    "offline_file": "To keep this walk for use with no signal, open it once from its web address.",
    "offline_storing": "Storing the walk on this phone for use with no signal (about {size})...",
    "offline_stored": "Stored on this phone for use with no signal: {size} (the page, the map and {n} stops).",
    "offline_partly": "The walk could not all be stored for use offline: open the page again with a signal.",
    "offline_failed": "The walk could not be stored for use offline ({error}): keep a signal while you walk.",
    "beacon_none": "This browser cannot play the beacon.",
    "beacon_off_said": "Beacon off.", "beacon_last": "Beacon on, but that was the last stop.",
    "beacon_on_said": "Beacon on: it ticks from the direction of {place}.",
    "beacon_waiting": "Beacon on: it ticks from the direction of {place}, once the phone's compass or your walking "
                      "shows which way you face.",
    "map_summary": "Map of {title}: {n} stops over {d}, from {first} to {last}.",
    "map_summary_one": "Map of {title}: 1 stop, {first}.",
    "map_stop": "{n}. {place} ({lat}, {lon})", "map_for": "{where}, for '{title}'",
    "map_next": "{where}. Stop {n}, {place}, is {d} {dir}", "map_route": "{line}, {d} by the route",
    "map_last": "{where}. The last stop.", "next_on": "Next: {place}, {away}.",
}
_COMPASS = {
    "en": ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"),
    "es": ("norte", "nordeste", "este", "sudeste", "sur", "suroeste", "oeste", "noroeste"),
    "fr": ("le nord", "le nord-est", "l'est", "le sud-est", "le sud", "le sud-ouest", "l'ouest", "le nord-ouest"),
    "it": ("nord", "nord-est", "est", "sud-est", "sud", "sud-ovest", "ovest", "nord-ovest"),
    "pt": ("norte", "nordeste", "leste", "sudeste", "sul", "sudoeste", "oeste", "noroeste"),
    "de": ("Norden", "Nordosten", "Osten", "Südosten", "Süden", "Südwesten", "Westen", "Nordwesten"),
}
_DECIMAL = {"en": "."}  # every other language here writes a decimal comma and groups thousands with a point or space


def walk_words(language: str) -> dict[str, str]:
    """The walk's texts in a language; English where narrate has none of its own."""
    return {**_EN, **OTHER.get(primary(language), {})}


def compass_names(language: str) -> tuple[str, ...]:
    """The eight compass points, from north clockwise, as the walk's sentences take them."""
    return _COMPASS.get(primary(language), _COMPASS["en"])


def compass_in(degrees: float, language: str) -> str:
    return compass_names(language)[round(degrees / 45) % 8]


def distance_in(m: float, language: str) -> str:
    """A distance as the walk writes it: narrate.geo.distance_words ('520 m', '1.5 km', '1,234 km'), with the
    language's decimal sign and thousands separator."""
    text = distance_words(m)
    if primary(language) in _DECIMAL or primary(language) not in _COMPASS:
        return text
    group = "\u202f" if primary(language) == "fr" else "."
    return text.replace(",", "\0").replace(".", ",").replace("\0", group)


def number_in(x: float, language: str, decimals: int) -> str:
    """A coordinate or other number with a fixed count of decimals, with the language's decimal sign."""
    text = f"{x:.{decimals}f}"
    return text if primary(language) in _DECIMAL or primary(language) not in _COMPASS else text.replace(".", ",")
