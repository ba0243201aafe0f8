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


def phrases(language: str) -> Phrases:
    """The phrases for a BCP 47 language ('fr', 'pt-BR'); English where narrate has none of its own."""
    return PHRASES.get(language.split("-")[0].lower(), PHRASES["en"])


def listed(items: list[str], language: str) -> str:
    """'Town, Distance and Time', in the language's words."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + phrases(language).and_ + items[-1]
