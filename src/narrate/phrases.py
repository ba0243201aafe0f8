"""narrate's own words, in the script's language: the intro and close, the legs, notes, tables, images and tasks.

A language narrate has no phrases for is read with the English ones (``phrases('ko')`` is English), and a voice
that speaks it reads them; a script can always write its own close (``mix: close``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phrases:
    """Templates filled with str.format: {author}, {title}, {n}, {count}, {place}, {items}, {alt}."""

    by: str  # the intro's second line
    close: str  # the spoken close
    close_by: str  # the close when there is an author
    leg: str  # 'Leg three of eight: {details}'
    from_to: str
    to: str
    from_: str
    by_travel: str  # 'by {travel}', when the script's travel does not say it itself
    travel_words: tuple[str, ...]  # how the language starts a means of travel ('by ', 'on '...)
    notes: str  # the heading of a chapter's notes
    note: str  # a note read where it is cited
    table: str  # a table's columns
    and_: str
    image: str
    done: str
    to_do: str


PHRASES = {
    "en": Phrases("By {author}.", "This was {title}. Thank you for listening.",
                  "This was {title}, by {author}. Thank you for listening.", "Leg {n} of {count}: {details}",
                  "from {origin} to {destination}", "to {destination}", "from {origin}", "by {travel}",
                  ("by ", "on ", "in ", "aboard "), "Notes", "Note: ", "A table: {items}.", " and ", "Image: {alt}.",
                  "Done. ", "To do. "),
    "es": Phrases("De {author}.", "Esto fue {title}. Gracias por escuchar.",
                  "Esto fue {title}, de {author}. Gracias por escuchar.", "Etapa {n} de {count}: {details}",
                  "de {origin} a {destination}", "a {destination}", "desde {origin}", "en {travel}",
                  ("en ", "a ", "por "), "Notas", "Nota: ", "Una tabla: {items}.", " y ", "Imagen: {alt}.",
                  "Hecho. ", "Pendiente. "),
    "fr": Phrases("Par {author}.", "C'était {title}. Merci de votre écoute.",
                  "C'était {title}, par {author}. Merci de votre écoute.", "Étape {n} sur {count} : {details}",
                  "de {origin} à {destination}", "jusqu'à {destination}", "depuis {origin}", "en {travel}",
                  ("en ", "à ", "par "), "Notes", "Note : ", "Un tableau : {items}.", " et ", "Image : {alt}.",
                  "Fait. ", "À faire. "),
    "it": Phrases("Di {author}.", "Questo era {title}. Grazie per l'ascolto.",
                  "Questo era {title}, di {author}. Grazie per l'ascolto.", "Tappa {n} di {count}: {details}",
                  "da {origin} a {destination}", "fino a {destination}", "da {origin}", "in {travel}",
                  ("in ", "a ", "per "), "Note", "Nota: ", "Una tabella: {items}.", " e ", "Immagine: {alt}.",
                  "Fatto. ", "Da fare. "),
    "pt": Phrases("De {author}.", "Este foi {title}. Obrigado por ouvir.",
                  "Este foi {title}, de {author}. Obrigado por ouvir.", "Etapa {n} de {count}: {details}",
                  "de {origin} a {destination}", "até {destination}", "de {origin}", "de {travel}",
                  ("de ", "a ", "em ", "por "), "Notas", "Nota: ", "Uma tabela: {items}.", " e ", "Imagem: {alt}.",
                  "Feito. ", "A fazer. "),
    "de": Phrases("Von {author}.", "Das war {title}. Danke fürs Zuhören.",
                  "Das war {title}, von {author}. Danke fürs Zuhören.", "Etappe {n} von {count}: {details}",
                  "von {origin} nach {destination}", "nach {destination}", "von {origin}", "mit {travel}",
                  ("mit ", "zu ", "per ", "im ", "auf "), "Anmerkungen", "Anmerkung: ", "Eine Tabelle: {items}.",
                  " und ", "Bild: {alt}.", "Erledigt. ", "Offen. "),
}


def primary(language: str) -> str:
    """A BCP 47 code's language alone, lower case: 'pt-BR' -> 'pt'."""
    return language.split("-")[0].lower()


def phrases(language: str) -> Phrases:
    """The phrases for a BCP 47 language ('fr', 'pt-BR'); English where narrate has none of its own."""
    return PHRASES.get(primary(language), PHRASES["en"])


def listed(items: list[str], language: str) -> str:
    """'Town, Distance and Time', in the language's words."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + phrases(language).and_ + items[-1]


# the episode page's own words: its headings, buttons and labels, and (now) the live line as chapters change
PAGE_WORDS = {
    "en": dict(skip="Skip to the transcript", cover="Cover of {title}", by="by {author}", chapter="chapter",
               chapters_n="chapters", listen="Listen", episode="{title}: the episode",
               cannot_play="This browser cannot play the episode here; download it below.", playback="Playback",
               previous="Previous chapter", back="Back 15 seconds", play="Play", pause="Pause",
               forward="Forward 30 seconds", next="Next chapter", follow="Keep the sentence being read in view",
               chapters="Chapters", transcript="Transcript", downloads="Downloads", now="Chapter {n} of {count}: ",
               walk="Walk it", walk_link="Open the walk: each leg plays where it happened"),
    "es": dict(skip="Ir a la transcripción", cover="Portada de {title}", by="de {author}", chapter="capítulo",
               chapters_n="capítulos", listen="Escuchar", episode="{title}: el episodio",
               cannot_play="Este navegador no puede reproducir el episodio aquí; descárgalo abajo.",
               playback="Reproducción", previous="Capítulo anterior", back="Atrás 15 segundos", play="Reproducir",
               pause="Pausa", forward="Adelante 30 segundos", next="Capítulo siguiente",
               follow="Mantener a la vista la frase que se lee", chapters="Capítulos", transcript="Transcripción",
               downloads="Descargas", now="Capítulo {n} de {count}: ",
               walk="Recórrelo", walk_link="Abrir el paseo: cada tramo suena donde ocurrió"),
    "fr": dict(skip="Aller à la transcription", cover="Couverture de {title}", by="par {author}", chapter="chapitre",
               chapters_n="chapitres", listen="Écouter", episode="{title} : l'épisode",
               cannot_play="Ce navigateur ne peut pas lire l'épisode ici ; téléchargez-le ci-dessous.",
               playback="Lecture", previous="Chapitre précédent", back="Reculer de 15 secondes", play="Lire",
               pause="Pause", forward="Avancer de 30 secondes", next="Chapitre suivant",
               follow="Garder en vue la phrase lue", chapters="Chapitres", transcript="Transcription",
               downloads="Téléchargements", now="Chapitre {n} sur {count} : ",
               walk="À pied", walk_link="Ouvrir la promenade : chaque étape se joue là où elle a eu lieu"),
    "it": dict(skip="Vai alla trascrizione", cover="Copertina di {title}", by="di {author}", chapter="capitolo",
               chapters_n="capitoli", listen="Ascolta", episode="{title}: l'episodio",
               cannot_play="Questo browser non può riprodurre l'episodio qui; scaricalo qui sotto.",
               playback="Riproduzione", previous="Capitolo precedente", back="Indietro di 15 secondi", play="Riproduci",
               pause="Pausa", forward="Avanti di 30 secondi", next="Capitolo successivo",
               follow="Tieni in vista la frase letta", chapters="Capitoli", transcript="Trascrizione",
               downloads="Download", now="Capitolo {n} di {count}: ",
               walk="A piedi", walk_link="Apri la passeggiata: ogni tappa suona dove è accaduta"),
    "pt": dict(skip="Ir para a transcrição", cover="Capa de {title}", by="de {author}", chapter="capítulo",
               chapters_n="capítulos", listen="Ouvir", episode="{title}: o episódio",
               cannot_play="Este navegador não consegue tocar o episódio aqui; baixe-o abaixo.",
               playback="Reprodução", previous="Capítulo anterior", back="Voltar 15 segundos", play="Tocar",
               pause="Pausar", forward="Avançar 30 segundos", next="Próximo capítulo",
               follow="Manter à vista a frase que está sendo lida", chapters="Capítulos", transcript="Transcrição",
               downloads="Downloads", now="Capítulo {n} de {count}: ",
               walk="A pé", walk_link="Abrir o passeio: cada trecho toca onde aconteceu"),
    "de": dict(skip="Zum Transkript springen", cover="Cover von {title}", by="von {author}", chapter="Kapitel",
               chapters_n="Kapitel", listen="Anhören", episode="{title}: die Folge",
               cannot_play="Dieser Browser kann die Folge hier nicht abspielen; laden Sie sie unten herunter.",
               playback="Wiedergabe", previous="Vorheriges Kapitel", back="15 Sekunden zurück", play="Abspielen",
               pause="Pause", forward="30 Sekunden vor", next="Nächstes Kapitel",
               follow="Den gelesenen Satz im Blick behalten", chapters="Kapitel", transcript="Transkript",
               downloads="Downloads", now="Kapitel {n} von {count}: ",
               walk="Zu Fuß", walk_link="Den Rundgang öffnen: jede Etappe spielt dort, wo sie geschah"),
}


def page_words(language: str) -> dict[str, str]:
    """The episode page's words in a language; English where narrate has none of its own."""
    return PAGE_WORDS.get(primary(language), PAGE_WORDS["en"])
