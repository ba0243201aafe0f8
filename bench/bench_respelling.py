"""Which way of writing a pronunciation does the Piper voice read best?

    .venv/bin/python bench/bench_respelling.py

For names whose intended sound is known, each way of writing it is run through the
voice's own phonemizer (espeak-ng, as Piper uses it) and compared with the intended
phonemes: the edit distance between the two (stress marks aside), and how many
syllables carry a primary stress (a name has one). Nothing is synthesised.
"""

from __future__ import annotations

from rapidfuzz.distance import Levenshtein

from narrate.engines import Engines
from narrate.script import VoiceSettings

# name -> (the intended phonemes, a respelling written in three ways)
NAMES = {
    "Lajas": ("lˈɑhɑs", ("Lah-hahs", "Lahhahs", "Lah hahs")),
    "Bajo": ("bˈɑhoʊ", ("Bah-ho", "Bahho", "Bah ho")),
    "Hyesan": ("hjˈʌsɑn", ("Hyuh-sahn", "Hyuhsahn", "Hyuh sahn")),
    "Necoclí": ("nɛkoʊklˈi", ("Neh-koh-KLEE", "Nehkohklee", "Neh koh klee")),
    "Capurganá": ("kɑpʊɹɡɑnˈɑ", ("Kah-poor-gah-NAH", "Kahpoorgahnah", "Kah poor gah nah")),
    "Shenyang": ("ʃʌnjˈɑŋ", ("Shun-yahng", "Shunyahng", "Shun yahng")),
    "Ji Seong-ho": ("dʒˈi sʌŋhˈoʊ", ("Jee Sung-ho", "Jee Sungho", "Jee Sung ho")),
}
FORMS = ("hyphenated", "run together", "spaced", "phonemes [[...]]")


def main() -> None:
    engine = Engines().get("piper")
    voice = engine.resolve(VoiceSettings(engine="piper", model="joe"), __import__("pathlib").Path("."))
    totals = {f: [0, 0, 0] for f in FORMS}  # distance, syllables stressed beyond one, exact stress count
    print(f"{'name':<12} {'form':<18} {'phonemes':<28} {'dist':>4} {'stresses':>8}")
    for name, (target, spellings) in NAMES.items():
        for form, written in zip(FORMS, (*spellings, f"[[{target}]]")):
            said = engine.phonemes(written, voice).strip(" .")  # type: ignore[attr-defined]
            plain = said.replace("ˈ", "").replace("ˌ", "")
            dist = Levenshtein.distance(plain.replace(" ", ""), target.replace("ˈ", "").replace(" ", ""))
            words = len(target.split())
            extra = max(said.count("ˈ") - words, 0)
            totals[form][0] += dist
            totals[form][1] += extra
            print(f"{name:<12} {form:<18} {said:<28} {dist:>4} {said.count('ˈ'):>8}")
    print()
    for form, (dist, extra, _) in totals.items():
        print(f"{form:<18} total distance {dist:>3}, extra primary stresses {extra:>2}")


if __name__ == "__main__":
    main()
