"""Numbers, dates, times, money and measures read in French, Spanish, Italian, Portuguese and German."""

from __future__ import annotations

import pytest

from narrate.localised import cardinal, money, read_in, value
from narrate.normalise import normalise

CASES = [
    # French: a decimal comma, thousands in spaces, the day before the month, '14h30', '1er', 'XIXe'
    ("fr", "Ils partent le 3 novembre 2016 à 14h30.", "Ils partent le trois novembre deux mille seize à quatorze heures trente."),
    ("fr", "Le 1er mai à 9h, puis à 13:05.", "Le premier mai à neuf heures, puis à treize heures cinq."),
    ("fr", "2016-11-03 et 03/11/2016", "trois novembre deux mille seize et trois novembre deux mille seize"),
    ("fr", "12,50 €, 1 €, 0,05 € et 1 000 $", "douze euros et cinquante centimes, un euro, cinq centimes et mille dollars"),
    ("fr", "1 500 000 wons, 500 USD", "un million cinq cent mille wons, cinq cents dollars"),
    ("fr", "-5 °C, 15 % et 2,5 km", "moins cinq degrés, quinze pour cent et deux virgule cinq kilomètres"),
    ("fr", "Au XIXe siècle, la 1re fois, le 2e jour.", "Au dix-neuvième siècle, la première fois, le deuxième jour."),
    ("fr", "1 heure, 21 nuits, 1 homme, 1,5 h.", "une heure, vingt et une nuits, un homme, un virgule cinq heures."),
    ("fr", "De 2016-2017, 5–10 km/h.", "De deux mille seize à deux mille dix-sept, cinq à dix kilomètres à l'heure."),
    ("fr", "Le code 007.", "Le code zéro zéro sept."),
    # Spanish: thousands with points; 'de' in dates; the hour after 'a las'
    ("es", "El 3 de noviembre de 2016 a las 14:30.", "El tres de noviembre de dos mil dieciséis a las catorce y treinta."),
    ("es", "Salieron a las 2, a la 1:15, 1 noche.", "Salieron a las dos, a la una y quince, una noche."),
    ("es", "Cuesta 1.500 € y 12,50 USD.", "Cuesta mil quinientos euros y doce dólares con cincuenta centavos."),
    ("es", "El 1.º de mayo, la 2.ª vez, 21 %.", "El uno de mayo, la segunda vez, veintiuno por ciento."),
    ("es", "1,01 € y 1 km", "un euro con un céntimo y un kilómetro"),
    # Italian
    ("it", "Il 3 novembre 2016 alle 14:30.", "Il tre novembre duemilasedici alle quattordici e trenta."),
    ("it", "Alle 1:05, 12,50 € e 1.000 $.", "All'una e cinque, dodici euro e cinquanta centesimi e mille dollari."),
    ("it", "1 ora e 1 notte, il 1º giorno.", "una ora e una notte, il primo giorno."),
    # Portuguese, and Brazilian Portuguese's own numbers
    ("pt", "Em 16 de novembro de 2016 às 14h30.", "Em dezasseis de novembro de dois mil e dezasseis às catorze e trinta."),
    ("pt-BR", "Em 16 de novembro de 2016 às 16h30.", "Em dezesseis de novembro de dois mil e dezesseis às dezesseis e trinta."),
    ("pt-BR", "Saíram às 2h, custa R$ 5 e 2 semanas.", "Saíram às duas horas, custa cinco reais e duas semanas."),
    ("pt", "O 1º dia, a 2ª vez, 1.000 €.", "O primeiro dia, a segunda vez, mil euros."),
    # German: ordinals in dates by case, 'Uhr', capitalised nouns after 'ein'
    ("de", "Am 3. November 2016 um 14:30 Uhr.", "Am dritten November zweitausendsechzehn um vierzehn Uhr dreißig."),
    ("de", "am 2016-11-03, 03.11.2016 und 14.30 Uhr.",
     "am dritten November zweitausendsechzehn, dritter November zweitausendsechzehn und vierzehn Uhr dreißig."),
    ("de", "Es kostet 1.500 € und 1 Euro, 1,01 €, um 1 Uhr.",
     "Es kostet eintausendfünfhundert Euro und ein Euro, ein Euro und ein Cent, um ein Uhr."),
    ("de", "5 km/h, 2,5 kg, 21 %, -3 °C.", "fünf Kilometer pro Stunde, zwei Komma fünf Kilo, einundzwanzig Prozent, minus drei Grad."),
    # a language with no rules of its own: plain numbers, by num2words where it can
    ("nl", "Er waren 21 mensen.", "Er waren eenentwintig mensen."),
    ("ko", "2 명", "이 명"),
]


@pytest.mark.parametrize("language, written, said", CASES)
def test_read_in_the_language(language: str, written: str, said: str) -> None:
    assert normalise(written, language) == said


def test_a_number_as_each_language_writes_it() -> None:
    assert [value(t) for t in ("1.234,5", "1 234,5", "1\u202f234", "0,25", "12")] == [1234.5, 1234.5, 1234, 0.25, 12]
    assert cardinal("1.500", "de") == "eintausendfünfhundert" and cardinal("1,5", "de") == "eins Komma fünf"
    assert cardinal("042", "fr") == "zéro quatre deux"


def test_money_names_its_cents_only_when_there_are_some() -> None:
    assert money("3", "USD", "es") == "tres dólares"
    assert money("3,00", "EUR", "fr") == "trois euros"
    assert money("0,01", "EUR", "de") == "ein Cent"
    assert money("7,5", "KRW", "fr") == "sept virgule cinq wons"  # a currency num2words has no cents for
    assert money("2,125", "EUR", "it") == "due virgola uno due cinque euro"


def test_dates_that_are_not_in_the_calendar_are_left_as_numbers() -> None:
    assert read_in("2016-13-40", "fr") == "deux mille seize à treize à quarante"
    assert read_in("13/13/2016", "fr") == "treize/treize/deux mille seize"
