"""The normaliser, category by category, with readings a careful narrator would use; and a property:
whatever numbers, money, times, dates and ranges a script holds, no digit or currency sign reaches the voice."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.normalise import Reading, normalise

CASES = {
    "cardinal": [
        ("There were 3 of us.", "There were three of us."),
        ("Some 1,418 people.", "Some one thousand four hundred and eighteen people."),
        ("It fell to -2 overnight.", "It fell to minus two overnight."),
        ("Dial 007.", "Dial zero zero seven."),
        ("A 16-digit card: 4111111111111111.", "A sixteen-digit card: four one one one one one one one one one one one one one one one."),
    ],
    "ordinal": [
        ("On the 3rd day.", "On the third day."),
        ("The 1,000th visitor.", "The one thousandth visitor."),
        ("Her 21st birthday.", "Her twenty-first birthday."),
    ],
    "decimal": [
        ("It is 2.5 times bigger.", "It is two point five times bigger."),
        ("Only .5 left.", "Only point five left."),
        ("A score of 9.05.", "A score of nine point zero five."),
    ],
    "fraction": [
        ("About 1/3 of them.", "About one third of them."),
        ("She spent 2½ years there.", "She spent two and a half years there."),
        ("Only ¾ of them.", "Only three quarters of them."),
        ("It took 3 1/2 days.", "It took three and a half days."),
        ("Open 24/7.", "Open twenty-four seven."),
        ("After 9/11 the rules changed.", "After nine eleven the rules changed."),
    ],
    "money": [
        ("They paid US$12,000 each.", "They paid twelve thousand US dollars each."),
        ("It cost $2,000.50 in all.", "It cost two thousand dollars and fifty cents in all."),
        ("It cost €1.2m to build.", "It cost one point two million euros to build."),
        ("A £5.99 ticket.", "A five pounds and ninety-nine pence ticket."),
        ("A $5k bonus.", "A five thousand dollars bonus."),
        ("Each paid ₩50,000.", "Each paid fifty thousand won."),
        ("It was $3.50/night.", "It was three dollars and fifty cents per night."),
        ("Worth 30 USD.", "Worth thirty US dollars."),
        ("A 2bn budget: €2bn.", "A two billion budget: two billion euros."),
        ("Just 50p? No: £0.50.", "Just fifty pence? No: fifty pence."),
    ],
    "measure": [
        ("A route of 4,350km.", "A route of four thousand three hundred and fifty kilometres."),
        ("A 12KG sack.", "A twelve kilogram sack."),
        ("It weighs 12kg.", "It weighs twelve kilograms."),
        ("Speeds of 80-100 km/h.", "Speeds of eighty to one hundred kilometres an hour."),
        ("It was -5°C.", "It was minus five degrees Celsius."),
        ("A plot of 40 m².", "A plot of forty square metres."),
        ("1.5m people live there.", "one point five million people live there."),
        ("A wall 1.5m high.", "A wall one point five metres high."),
        ("A 1h45 crossing.", "A one hour forty-five crossing."),
    ],
    "date": [
        ("On July 25, 2012 they left.", "On July twenty-fifth, twenty twelve they left."),
        ("On 25 July 2012 they left.", "On the twenty-fifth of July twenty twelve they left."),
        ("By the 26th May.", "By the twenty-sixth of May."),
        ("Dated 2016-11-03.", "Dated November third, twenty sixteen."),
        ("Back in the 1990s.", "Back in the nineteen nineties."),
        ("The 80s and the '90s.", "The eighties and the nineties."),
        ("In 2011, aged 27.", "In twenty eleven, aged twenty-seven."),
        ("From 1980-1986 they hid.", "From nineteen eighty to nineteen eighty-six they hid."),
    ],
    "time": [
        ("At 7:30am the boat left.", "At seven thirty AM the boat left."),
        ("They left at 10:00 a.m.", "They left at ten AM."),
        ("At 9:05pm and 14:30 they met.", "At nine oh five PM and fourteen thirty they met."),
        ("Bunks fold at 10pm.", "Bunks fold at ten PM."),
        ("From 5pm-7pm.", "From five PM to seven PM."),
        ("At 6.45 p.m. it sailed.", "At six forty-five PM it sailed."),
    ],
    "range": [
        ("Between 3-4 hours.", "Between three and four hours."),
        ("2-5lb bags.", "two to five pounds bags."),
        ("$250-$300 each.", "two hundred and fifty dollars to three hundred dollars each."),
        ("10–20% of them.", "ten to twenty percent of them."),
    ],
    "roman": [
        ("World War II ended.", "World War two ended."),
        ("Read Chapter XII.", "Read Chapter twelve."),
        ("Henry VIII had six wives.", "Henry the Eighth had six wives."),
        ("In the XIX century.", "In the nineteenth century."),
        ("Sam and I left.", "Sam and I left."),
    ],
    "telephone and codes": [
        ("Call 123-123-5678.", "Call one two three, one two three, five six seven eight."),
        ("Call +82 2 1234 5678 now.", "Call plus eight two, two, one two three four, five six seven eight now."),
        ("Flight KE902 left.", "Flight K E nine zero two left."),
        ("Flight VN 310 left.", "Flight V N three one zero left."),
        ("Seat 12B.", "Seat twelve B."),
    ],
    "signs": [
        ("Holding ~20% of it.", "Holding about twenty percent of it."),
        ("A 4x4 truck.", "A four by four truck."),
        ("100+ people.", "one hundred plus people."),
        ("Salt & pepper.", "Salt and pepper."),
        ("Bus No. 5 left.", "Bus number five left."),
        ("No. I will not.", "No. I will not."),
    ],
}


@pytest.mark.parametrize("written, spoken", [c for cases in CASES.values() for c in cases])
def test_reading(written: str, spoken: str) -> None:
    assert normalise(written) == spoken


def test_british_dates_put_the_day_first() -> None:
    assert normalise("On 12/05/2024 we left.", "en-GB") == "On the twelfth of May twenty twenty-four we left."
    assert normalise("On 12/05/2024 we left.", "en") == "On December fifth, twenty twenty-four we left."


def test_other_languages_spell_plain_numbers_only() -> None:
    assert normalise("Il y a 3 bateaux.", "fr") == "Il y a trois bateaux."


LEFT = re.compile(r"[\d$€£¥₩₹₽₺₫฿₱₦₪₴]")
amount = st.one_of(st.integers(0, 10**12).map(str), st.integers(0, 10**9).map(lambda n: f"{n:,}"),
                   st.decimals(0, 10**6, places=2, allow_nan=False).map(str))
money = st.tuples(st.sampled_from(["", "US", "A", "HK"]), st.sampled_from(list("$€£¥₩₹₽₺₫฿₱₦₪₴")), amount,
                  st.sampled_from(["", "k", "m", "bn", " million", "/night"])).map(lambda t: "".join(t))
time = st.tuples(st.integers(0, 29), st.integers(0, 69), st.sampled_from(["", "am", " pm", " a.m.", "PM"])).map(
    lambda t: f"{t[0]}:{t[1]:02d}{t[2]}")
date = st.tuples(st.integers(0, 40), st.integers(0, 14), st.integers(0, 2100)).map(
    lambda t: st.sampled_from([f"{t[0]}/{t[1]}/{t[2]}", f"{t[2]}-{t[1]:02d}-{t[0]:02d}", f"{t[0]}.{t[1]}.{t[2]}"]))
unit = st.sampled_from(["km", "kg", "m", "°C", "%", "km/h", "mph", "lbs", " ft", "m²", "x", "th", "st", "s", "h"])
written = st.one_of(
    money, time, date.flatmap(lambda s: s), amount,
    st.tuples(amount, st.sampled_from(["-", "–", " - ", "x", "/", "+"]), amount).map(lambda t: "".join(t)),
    st.tuples(amount, unit).map(lambda t: "".join(t)),
    st.text(alphabet="0123456789$€£.,:-/ %xkmbnAPMampKEV", max_size=24),
)


@settings(max_examples=int(__import__("os").environ.get("NARRATE_EXAMPLES", "400")), deadline=None)
@given(st.lists(written, min_size=1, max_size=4), st.sampled_from(["en", "en-GB"]))
def test_no_digit_or_currency_sign_reaches_the_voice(parts: list[str], lang: str) -> None:
    text = "They saw " + " and ".join(parts) + "."
    said = normalise(text, lang)
    assert not LEFT.search(said), (text, said)


@pytest.mark.parametrize("written, spoken, reading", [
    ("Visit https://example.org/route-2024 before you go.",
     "Visit example dot org slash route dash two thousand and twenty-four before you go.", Reading()),
    ("Visit https://example.org/route-2024 before you go.", "Visit example dot org before you go.",
     Reading(links="domain")),
    ("See www.example.com/a/b?x=1#top.", "See example dot com slash a slash b.", Reading()),
    ("Write to desk@example.org today.", "Write to desk at example dot org today.", Reading()),
    ("H₂O and CO₂, then x² and 40 m².", "H two O and CO two, then x squared and forty square metres.", Reading()),
    ("Great trip 🎉🙂!", "Great trip!", Reading()),
    ("Great trip 🎉!", "Great trip party popper!", Reading(emoji="name")),
    ("☑ Passport hidden", "Done. Passport hidden", Reading()),
    ("☐ Buy water", "To do. Buy water", Reading()),
    ("☑ Passport hidden", "Passport hidden", Reading(tasks="silent")),
])
def test_addresses_symbols_and_emoji(written: str, spoken: str, reading: Reading) -> None:
    assert normalise(written, "en", reading) == spoken


@pytest.mark.parametrize("written, spoken", [
    # money: minor units, three decimals, rates, prefixes and codes
    ("$20.500", "twenty dollars and fifty cents"), ("$2.000", "two dollars"),
    ("$20.506", "twenty point five zero six dollars"), ("$.01", "one cent"), ("$0.02", "two cents"),
    ("£2.01", "two pounds and one penny"), ("£1.20", "one pound and twenty pence"), ("€0.99", "ninety-nine cents"),
    ("$1.00", "one dollar"), ("¥30b", "thirty billion yen"), ("$0.5/hr", "fifty cents per hour"),
    ("A$5", "five Australian dollars"), ("R$10", "ten Brazilian reais"), ("HK$3", "three Hong Kong dollars"),
    ("1,000 USD", "one thousand US dollars"), ("EUR 5", "five euros"),
    # dates at the edges of day and month
    ("01/12/2024", "January twelfth, twenty twenty-four"), ("12/12/2024", "December twelfth, twenty twenty-four"),
    ("01/07/98", "January seventh, ninety-eight"), ("11/17/05", "November seventeenth, oh five"),
    ("2024-01-01", "January first, twenty twenty-four"), ("1 January", "the first of January"),
    ("January 31", "January thirty-first"), ("the 1st of May", "the first of May"),
    ("31st December 1999", "the thirty-first of December nineteen ninety-nine"), ("Sept. 9", "September ninth"),
    ("mid-1980s", "mid-nineteen eighties"), ("1960s-80s", "nineteen sixties to eighties"),
    ("the 1900s", "the nineteen hundreds"),
    # times
    ("12:00", "twelve o'clock"), ("00:00", "midnight"), ("23:00", "twenty-three hundred"),
    ("12:05 pm", "twelve oh five PM"), ("1:01:01", "one hour one minute and one second"),
    ("2:02:02", "two hours two minutes and two seconds"),
    ("10:30:00 p.m. e.s.t", "ten hours thirty minutes and zero seconds PM EST"), ("3 a.m. GMT", "three AM GMT"),
    # measures and fractions
    ("1 h", "one hour"), ("1.5 km", "one point five kilometres"), ("1 km", "one kilometre"),
    ("0.5 kg", "zero point five kilograms"), ("4 1/2 lbs", "four and a half pounds"),
    ("2-3 1/2 miles", "two to three and a half miles"),
])
def test_edges(written: str, spoken: str) -> None:
    assert normalise(written) == spoken


def test_british_dates_at_the_edges() -> None:
    assert normalise("01/12/2024", "en-GB") == "the first of December twenty twenty-four"
    assert normalise("12/12/2024", "en-GB") == "the twelfth of December twenty twenty-four"
    assert normalise("13/01/2024", "en") == "the thirteenth of January twenty twenty-four"  # no thirteenth month


def test_footnote_marks_are_silent_and_a_note_says_which_it_is() -> None:
    assert normalise("They paid in full⁽¹⁾.") == "They paid in full."
    assert normalise("⁽¹²⁾ A note about costs.") == "Twelve: A note about costs."
    assert normalise("⁽²⁾ A note.", "en", Reading(footnotes="inline")) == "Note: A note."
