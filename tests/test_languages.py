"""Scripts in other languages: narrate's own words in the language, its numbers, and a voice that speaks it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narrate.build import build
from narrate.engines import Engines
from narrate.errors import NarrateError
from narrate.options import BuildHooks, BuildOptions
from narrate.plan import plan_episode
from narrate.script import parse_script
from narrate.testing import tone_engines

LANGUAGES = len({v.language for v in Engines().catalogue() if v.cost > 0})  # eSpeak NG's, with the others'

from conftest import run_cli

BODY = """
# {title}
from: Namyang
to: Tumen
travel: {travel}

{text}[^1]

- [x] {task}

| {town} | km |
|---|---|
| Tumen | 2 |

[^1]: {note}
"""

SCRIPTS = {
    "fr": dict(title="La traversée", travel="à pied", text="Le 3 mars 2009, ils sont partis à 2 heures avec 12,50 €.", task="Passeport",
               town="Ville", note="Une note."),
    "es": dict(title="El cruce", travel="a pie", text="El 3 de marzo de 2009 salieron a las 2 con 12,50 €.", task="Pasaporte", town="Ciudad",
               note="Una nota."),
    "de": dict(title="Die Überquerung", travel="zu Fuß", text="Am 3. März 2009 gingen sie um 2 Uhr mit 12,50 €.", task="Pass", town="Stadt",
               note="Eine Notiz."),
    "it": dict(title="La traversata", travel="a piedi", text="Il 3 marzo 2009 sono partiti alle 2 con 12,50 €.", task="Passaporto", town="Città",
               note="Una nota."),
    "pt": dict(title="A travessia", travel="a pé", text="Em 3 de março de 2009 saíram às 2 com 12,50 €.", task="Passaporte", town="Cidade",
               note="Uma nota."),
}

SAID = {
    "fr": ["Deux rivières.", "Par A. Auteur.", "La traversée.", "Étape un sur un : de Namyang à Tumen, à pied.",
           "Le trois mars deux mille neuf, ils sont partis à deux heures avec douze euros et cinquante centimes.", "Fait. Passeport", "Un tableau : Ville et km.", "Tumen: deux.", "Notes",
           "Un: Une note.", "C'était Deux rivières, par A. Auteur.", "Merci de votre écoute."],
    "es": ["Deux rivières.", "De A. Auteur.", "El cruce.", "Etapa uno de uno: de Namyang a Tumen, a pie.",
           "El tres de marzo de dos mil nueve salieron a las dos con doce euros con cincuenta céntimos.", "Hecho. Pasaporte", "Una tabla: Ciudad y km.", "Tumen: dos.", "Notas",
           "Uno: Una nota.", "Esto fue Deux rivières, de A. Auteur.", "Gracias por escuchar."],
    "de": ["Deux rivières.", "Von A. Auteur.", "Die Überquerung.", "Etappe eins von eins: von Namyang nach Tumen, zu Fuß.",
           "Am dritten März zweitausendneun gingen sie um zwei Uhr mit zwölf Euro und fünfzig Cent.", "Erledigt. Pass", "Eine Tabelle: Stadt und km.", "Tumen: zwei.", "Anmerkungen",
           "Eins: Eine Notiz.", "Das war Deux rivières, von A. Auteur.", "Danke fürs Zuhören."],
    "it": ["Deux rivières.", "Di A. Auteur.", "La traversata.", "Tappa uno di uno: da Namyang a Tumen, a piedi.",
           "Il tre marzo duemilanove sono partiti alle due con dodici euro e cinquanta centesimi.", "Fatto. Passaporto", "Una tabella: Città e km.", "Tumen: due.", "Note",
           "Uno: Una nota.", "Questo era Deux rivières, di A. Auteur.", "Grazie per l'ascolto."],
    "pt": ["Deux rivières.", "De A. Auteur.", "A travessia.", "Etapa um de um: de Namyang a Tumen, a pé.",
           "Em três de março de dois mil e nove saíram às duas com doze euros e cinquenta cêntimos.", "Feito. Passaporte", "Uma tabela: Cidade e km.", "Tumen: dois.", "Notas",
           "Um: Uma nota.", "Este foi Deux rivières, de A. Auteur.", "Obrigado por ouvir."],
}


def script_text(language: str, voice: str = "") -> str:
    return (f"---\ntitle: Deux rivières\nauthor: A. Auteur\nlanguage: {language}\n{voice}---\n"
            + BODY.format(**SCRIPTS[language]))


@pytest.mark.parametrize("language", sorted(SCRIPTS))
def test_narrates_own_words_and_numbers_are_in_the_scripts_language(language: str) -> None:
    plan = plan_episode(parse_script(script_text(language, "voice: {engine: tone}\n"), "s.md"), tone_engines())
    assert [s.text for s in plan.speeches()] == SAID[language]


@pytest.mark.parametrize("language, voice", [("fr", "ff_siwis"), ("es", "ef_dora"), ("it", "if_sara"),
                                             ("pt-BR", "pf_dora"), ("de", "pico_de"), ("en", "heart"), ("en-GB", "bf_emma")])
def test_a_script_that_names_no_voice_is_read_by_one_of_its_language(language: str, voice: str) -> None:
    script = parse_script(f"---\ntitle: T\nlanguage: {language}\nspeakers:\n  Ana:\n---\n# Un\nHi.\n", "s.md")
    meta = plan_episode(script, Engines()).meta
    assert meta.voice.model == voice
    assert meta.speakers[0].voice.model != voice or language.startswith(("de", "fr"))  # one voice there: shared


def test_a_language_no_voice_speaks_is_an_error_at_its_line() -> None:
    script = parse_script("---\ntitle: T\nauthor: A\nlanguage: zu\n---\n# One\nHi.\n", "s.md")
    with pytest.raises(NarrateError) as err:
        plan_episode(script, Engines())
    assert err.value.format_message() == (
        f"s.md:4: no voice installed speaks 'zu' ({LANGUAGES} languages are installed); "
        "'narrate voices' lists them")


def test_check_warns_of_a_voice_in_another_language(tmp_path: Path) -> None:
    script = tmp_path / "s.md"
    script.write_text("---\ntitle: T\nlanguage: fr\nvoice: bf_emma\n---\n# Un\nIls sont partis.\n", encoding="utf-8")
    code, out, err = run_cli("check", str(script))
    assert (code, err) == (0, "")
    assert out.splitlines()[2:] == [
        f"warning: {script}:4: the narrator speaks in bf_emma, a voice of en-GB, but the script is in fr: give a voice "
        "of its language ('narrate voices --language fr')"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict, list[str]]]:
    """A short French, Spanish and German script, each built offline with its default voice."""
    folder = tmp_path_factory.mktemp("languages")
    out = {}
    for language in ("fr", "es", "de"):
        path = folder / f"{language}.md"
        path.write_text(script_text(language), encoding="utf-8")
        said: list[str] = []
        build(str(path), BuildOptions(output=str(folder / "out"), cache_dir=folder / "cache"), Engines(),
              BuildHooks(log=said.append))
        record = json.loads((folder / "out" / language / f"{language}.manifest.json").read_text(encoding="utf-8"))
        out[language] = (record, said)
    out["folder"] = folder / "out"  # type: ignore[assignment]
    return out


@pytest.mark.parametrize("language, voice, engine", [("fr", "ff_siwis (Kokoro, fr)", "kokoro"),
                                                     ("es", "ef_dora (Kokoro, es)", "kokoro"),
                                                     ("de", "pico_de (Pico, de)", "pico")])
def test_a_script_in_another_language_builds_offline_with_its_voice(built, language: str, voice: str,  # type: ignore[no-untyped-def]
                                                                   engine: str) -> None:
    record, said = built[language]
    assert [(e["engine"], e["voice"]) for e in record["engines"]] == [(engine, voice)]
    assert said == [f"voice: {voice.split()[0]} reads this script in its language, {language} "
                    "('voice:' in the front matter chooses another)"]
    assert [s["spoken"] for s in record["sentences"]] == SAID[language]
    assert all(s["end_ms"] > s["start_ms"] for s in record["sentences"])


@pytest.mark.parametrize("language", ["fr", "es", "de"])
def test_each_script_is_heard_in_its_language(built, language: str) -> None:  # type: ignore[no-untyped-def]
    """Whisper base (multilingual) transcribes each episode in its language, and hears the chapter in it."""
    from narrate.verify import verify

    report = verify(str(built["folder"] / language / f"{language}.mp3"))
    assert report.recogniser == f"Whisper base, in '{language}'"
    assert [(h.written, h.heard) for h in report.languages] == [(language, language)]
    assert report.languages[0].probability > 0.8 and not report.languages[0].wrong
    assert report.body_wer < 0.4, [i.describe() for i in report.issues]  # short lines, a table: base mishears some


def test_kokoros_spanish_is_the_same_episode_with_one_worker_or_two(tmp_path: Path) -> None:
    """Kokoro phonemizes Spanish with eSpeak NG in each worker: one worker says every sentence as two workers
    do, each with a cache of its own, so the episodes are the same bytes."""
    path = tmp_path / "es.md"
    path.write_text("---\ntitle: El cruce\nlanguage: es\nmix: {intro: false}\n---\n# El río\n\nEl agua estaba "
                    "fría.\n\nNadie habló en el autobús.\n", encoding="utf-8")
    built = [build(str(path), BuildOptions(output=str(tmp_path / f"out{jobs}"), cache_dir=tmp_path / f"cache{jobs}",
                                           jobs=jobs), Engines()) for jobs in (1, 2)]
    assert [b.stats.synthesised for b in built] == [len(built[0].timeline.sentences)] * 2
    record = json.loads(built[0].manifest.read_text(encoding="utf-8"))
    assert [(e["engine"], e["voice"]) for e in record["engines"]] == [("kokoro", "ef_dora (Kokoro, es)")]
    assert built[0].output.read_bytes() == built[1].output.read_bytes()


def test_an_episode_heard_in_another_language_than_written_fails_verify(tmp_path: Path) -> None:
    """Real audio: a script written as French but read in English by heart (check only warns of it) is heard
    in English by Whisper base, and verify says which chapter, in what language, and fails."""
    from narrate.verify import verify

    path = tmp_path / "mixup.md"
    path.write_text("---\ntitle: Mixup\nauthor: A. Auteur\nlanguage: fr\nvoice: heart\n---\n\n# The river\n\n"
                    "The river was wide and slow in the evening light. They waited by the water until the boat "
                    "came, and nobody spoke while the boatman counted the people on the bank.\n", encoding="utf-8")
    build(str(path), BuildOptions(output=str(tmp_path / "out"), cache_dir=tmp_path / "cache", formats=("mp3",)),
          Engines())
    report = verify(str(tmp_path / "out" / "mixup" / "mixup.mp3"))
    [heard] = report.languages
    assert (heard.chapter, heard.title, heard.written, heard.heard, heard.wrong) == (1, "The river", "fr", "en", True)
    assert f"chapter 1 'The river' is heard in 'en' ({heard.probability:.0%}), but written in 'fr'" in report.failures(
        0.15)
    assert heard.probability > 0.8
    # the chapter's verdict is its language: its words are not scored against a recogniser held to French
    assert [c.words for c in report.chapters if c.number == 1] == [0]


def test_a_chapter_heard_in_another_language_fails_verify() -> None:
    from narrate.hearing import LanguageHeard
    from narrate.verify import ChapterScore, VerifyReport

    heard = LanguageHeard(2, "Le passage", "fr", "en", 0.93)
    unsure = LanguageHeard(3, "Coda", "fr", "en", 0.31)
    report = VerifyReport(Path("x.mp3"), (ChapterScore(2, "Le passage", 60, 0),), languages=(heard, unsure))
    assert report.failures(0.15) == ["chapter 2 'Le passage' is heard in 'en' (93%), but written in 'fr'"]
