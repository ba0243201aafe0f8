"""Who says each quotation in a book's paragraphs, by rule, as an editor would mark it: ``[“…”]{Holmes}``.

A quotation goes to the speaker its speech tag names: after it ("…," said Holmes; "…," Holmes said) or before it
(Holmes said, "…"). A quotation with no tag of its own goes to the one speaker tagged in its paragraph, or to
whoever alone does what the paragraph tells before its first quotation, if a tag has named them before ("Holmes
took a note of it. “One other question,” said he."); one that goes on from a quotation left open at the end of
the paragraph before goes to that quotation's speaker; and in an exchange, a line with no tag goes to whoever
spoke two lines before, as long as each of those lines was someone's. "said I" is the narrator's own line.
Whatever no rule settles is left to the narrator, for ``narrate check`` to list. A speaker is named as the book
names them, "Mr." dropped; at the end of the book the names that are one person ("Sherlock Holmes", "Mr.
Holmes", "Holmes") are merged, but never "Mrs. Ukridge" into "Ukridge".

Pure and one paragraph at a time: the importer keeps a chapter in memory, never the book.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

VERBS = (
    "said|says|say|asked|asks|cried|cries|answered|answers|replied|replies|remarked|observed|exclaimed|continued|"
    "added|returned|murmured|whispered|shouted|called|began|repeated|interrupted|explained|suggested|insisted|"
    "declared|protested|groaned|laughed|sighed|muttered|responded|inquired|enquired|demanded|ejaculated|retorted|"
    "pursued|urged|admitted|agreed|snapped|growled|thundered|roared|screamed|sobbed|stammered|gasped|went on|"
    "broke in|put in|observed|resumed|persisted|concluded|corrected|announced|faltered|panted|chuckled|yelled|"
    "moaned|wailed|bellowed|drawled|hissed|snarled|sneered|shrieked|echoed|mused|reflected|objected|pleaded|"
    "begged|ventured|whimpered|queried|told him|told her|told me"
)
_MALE = "Mr|Sir|Lord|Captain|Colonel|Major|General|Inspector|Sergeant|Professor|Monsieur|Herr|Signor|Count|King|Duke"
_FEMALE = "Mrs|Miss|Ms|Lady|Madame|Mme|Mlle|Frau|Signora|Countess|Queen|Duchess|Aunt"
_TITLES = rf"(?:{_MALE}|{_FEMALE}|Dr|Doctor|Uncle|Father|Mother)\.?"
_TITLE = rf"(?:{_TITLES}\s+)"
_WORD = r"(?:St\.\s+)?[A-Z][\w’'-]*"
_NAME = (rf"(?:(?:my|our)\s+(?:friend|companion)\s+)?"
         rf"(?:{_TITLE}?{_WORD}(?:\s+{_WORD}){{0,2}}|[Tt]he\s+{_WORD}(?:\s+{_WORD})?)")
_WHO = rf"(?P<who>{_NAME}|I|he|she)"
_ADVERB = r"(?:\w+ly\s+)?"
_AFTER = re.compile(rf"^[\s,—–-]*(?:(?:{VERBS})\s+{_WHO}|{_WHO.replace('who', 'w2')}\s+{_ADVERB}(?:{VERBS}))\b")
_BEFORE = re.compile(rf"(?:(?:{VERBS})\s+{_WHO}|{_WHO.replace('who', 'w2')}\s+{_ADVERB}(?:{VERBS}))\s*[,:—–]?\s*$")
_BEAT = re.compile(rf"^(?P<who>{_NAME})\s+[a-z][^“”\"]*$")  # 'Holmes took a note of it.' before a line
_OTHERS = re.compile(r"\b(?:him|her|me|us|them|I|you)\b|\s[A-Z]")  # someone else in the beat
_NOT_NAMES = {"The", "Then", "But", "And", "He", "She", "It", "They", "We", "You", "This", "That", "There", "Here",
              "What", "When", "Why", "How", "Yes", "No", "Oh", "Well", "Now", "So", "If", "As", "At", "In", "On",
              "A", "An", "His", "Her", "My", "Our", "Your", "Their", "One", "Some", "All", "Nobody", "Somebody"}
_OWN = re.compile(r"\b(?:his|himself|herself)\b")  # a possessive or reflexive: the speaker's own
NARRATOR = "I"
PRONOUN = "?"
_QUOTE = re.compile(r"“[^“”]*(?:”|$)")
_STRAIGHT = re.compile(r'"[^"]*(?:"|$)')


@dataclass
class Said:
    """One quotation in a paragraph: where it is, whether it is left open, and who says it (None: not known)."""

    start: int
    end: int
    closed: bool
    who: str | None = None
    tagged: bool = False  # its own speech tag names its speaker
    pronoun: str | None = None  # its tag's 'he' or 'she'


@dataclass
class Dialogue:
    """Speakers found in a book so far, and the exchange under way in its current chapter."""

    genders: dict[str, Counter] = field(default_factory=dict)  # name -> 'male'/'female' by title or pronoun
    lines: Counter = field(default_factory=Counter)  # speaker key -> quotations given
    history: list[str | None] = field(default_factory=list)  # the last lines of the exchange: who said each
    open: str | None = None  # the speaker of a quotation left open at the end of the paragraph before
    unattributed: int = 0  # quotations no rule gives to anyone

    def chapter(self) -> None:
        """A new chapter: no exchange is under way."""
        self.history, self.open = [], None

    def paragraph(self, text: str) -> str:
        """A paragraph's Markdown with each quotation whose speaker is known marked as theirs."""
        quotes = quotations(text)
        if not quotes:
            self.history, self.open = [], None
            return text
        for k, q in enumerate(quotes):
            before = text[quotes[k - 1].end if k else 0:q.start]
            after = text[q.end:quotes[k + 1].start if k + 1 < len(quotes) else len(text)]
            q.who = self._tagged(after, _AFTER, q) or (self._tagged(before, _BEFORE, q) if q.start else None)
            q.tagged = q.who not in (None, PRONOUN)
            if q.tagged and q.who != NARRATOR and (own := _OWN.search(re.split(r"[.!?;]", after, 1)[0])):
                # "said Jones, rubbing his hands": the tag's own possessive tells the speaker's gender
                self.genders.setdefault(q.who, Counter())["male" if own.group(0) != "herself" else "female"] += 1
        self._by_rule(quotes, text)
        for q in quotes:  # "said she" of a line found to be someone's tells their gender
            if q.pronoun and q.who not in (None, PRONOUN, NARRATOR):
                self.genders.setdefault(q.who, Counter())["female" if q.pronoun == "she" else "male"] += 1
        opens_with_quote = not text[:quotes[0].start].strip()
        if opens_with_quote:
            whose = {q.who for q in quotes}
            one = whose.pop() if len(whose) == 1 else None
            self.history = (self.history + [one if one != PRONOUN else None])[-2:]
        else:
            self.history = []
        self.open = quotes[-1].who if not quotes[-1].closed and quotes[-1].who != PRONOUN else None
        return self._marked(text, quotes)

    def _tagged(self, fragment: str, tag: re.Pattern[str], said: Said) -> str | None:
        """The speaker a speech tag names (NARRATOR for 'I', PRONOUN for 'he' or 'she'), if the fragment is one."""
        m = tag.search(fragment)
        who = m and (m.group("who") or m.group("w2"))
        if not who:
            return None
        if who in ("he", "she"):
            said.pronoun = who
            return PRONOUN
        if who == NARRATOR:
            return NARRATOR
        return self._named(who)

    def _named(self, name: str) -> str | None:
        """A name as the script gives it ('Mr.' dropped, 'The King' as 'the King'), counting its title's gender;
        None for a word that is no name."""
        words = name.split()
        words = words[2:] if words[0] in ("my", "our") else words
        if words[-1] in _NOT_NAMES or (words[0] in _NOT_NAMES and words[0] != "The"):
            return None
        words = ["the", *words[1:]] if words[0] == "The" else words
        title = words[words[0] == "the"].rstrip(".")
        gender = "male" if re.fullmatch(_MALE, title) else "female" if re.fullmatch(_FEMALE, title) else None
        words = words[1:] if words[0] in ("Mr.", "Mr") and len(words) > 1 else words
        key = " ".join(words)
        if gender:
            self.genders.setdefault(key, Counter())[gender] += 1
        return key

    def _by_rule(self, quotes: list[Said], text: str) -> None:
        """Quotations without a tag naming their speaker: the paragraph's one speaker, the open quotation's, or
        the exchange's."""
        named = {q.who for q in quotes if q.tagged} or self._beat(text[:quotes[0].start])
        if self.open and quotes[0].who in (None, PRONOUN) and not text[:quotes[0].start].strip():
            quotes[0].who = self.open
            named = named or {self.open}
        if len(named) == 1:
            for q in quotes:
                q.who = q.who if q.who not in (None, PRONOUN) else next(iter(named))
        elif not named and not text[:quotes[0].start].strip() and len(self.history) == 2:
            two_before, one_before = self.history
            if two_before and one_before and two_before != one_before:
                for q in quotes:
                    q.who = two_before

    def _beat(self, before: str) -> set[str]:
        """The one speaker an action beat before the paragraph's first quotation names ('Holmes took a note of
        it.'), if it names no one else; the beat's doer speaks the paragraph's lines that no tag names."""
        sentence = re.split(r"(?<=[.!?;:—])\s+", before.strip())[-1]
        m = _BEAT.match(sentence)
        if not m or _OTHERS.search(sentence[m.end("who"):]):
            return set()
        who = self._named(m.group("who").removesuffix("’").removesuffix("'"))
        # only someone a speech tag has named before ('Wilson' is 'Jabez Wilson' if no one else is a Wilson)
        known = [n for n in self.lines if who in (n, n.split()[0], n.split()[-1])] if who else []
        return {who} if who in self.lines else {known[0]} if len(known) == 1 else set()

    def _marked(self, text: str, quotes: list[Said]) -> str:
        """The paragraph with '[quotation]{Speaker}' around each quotation someone other than the narrator says."""
        out, pos = [], 0
        for q in quotes:
            self.unattributed += q.who in (None, PRONOUN)
            if q.who in (None, PRONOUN, NARRATOR):
                continue
            self.lines[q.who] += 1
            out += [text[pos:q.start], "[", text[q.start:q.end].rstrip(), "]{", q.who, "}"]  # merged at the end
            pos = q.start + len(text[q.start:q.end].rstrip())
        return "".join(out) + text[pos:]

    def speakers(self) -> tuple[list[tuple[str, int, list[str], str | None]], dict[str, str]]:
        """Every speaker given a line, most lines first, as (name, lines, the names merged into it, gender where a
        title or a tag's pronoun tells it); and each name given in the script that is merged into another."""
        merged = merged_names(list(self.lines))
        lines: Counter = Counter()
        genders: dict[str, Counter] = {}
        for name, count in self.lines.items():
            lines[merged[name]] += count
            genders.setdefault(merged[name], Counter()).update(self.genders.get(name, Counter()))
        out = []
        for name, count in lines.most_common():
            forms = [n for n, _ in self.lines.most_common() if merged[n] == name]
            gender = genders[name].most_common(1)[0][0] if genders[name] else None
            out.append((name, count, forms, gender))
        return out, {n: m for n, m in merged.items() if n != m}


def merged_names(names: list[str]) -> dict[str, str]:
    """Each name to the speaker it is: 'Sherlock Holmes' and 'Inspector Holmes' are 'Holmes' when the book also
    says 'Holmes' and no one else of that surname speaks; else 'Phyllis Derrick' is 'Phyllis' when the book says
    'Phyllis' and no one else of that first name speaks. 'Mrs. Ukridge' is never 'Ukridge'."""
    alone = {n for n in names if " " not in n}
    full = [n.split() for n in names if " " in n and not re.match(rf"(?:{_FEMALE}|the)\b", n)]
    out = {n: n for n in names}
    for words in full:
        name = " ".join(words)
        if words[-1] in alone and sum(w[-1] == words[-1] for w in full) == 1:
            out[name] = words[-1]
        elif words[0] in alone and not re.fullmatch(_TITLES, words[0]) and sum(w[0] == words[0] for w in full) == 1:
            out[name] = words[0]
    return out


def quotations(text: str) -> list[Said]:
    """The quotations in a paragraph: “curly” ones, else "straight" ones; the last may be left open."""
    found = list(_QUOTE.finditer(text)) or list(_STRAIGHT.finditer(text))
    return [Said(m.start(), m.end(), m.group(0)[-1:] in "”\"" and len(m.group(0)) > 1) for m in found]


def narrators_own(text: str) -> list[bool]:
    """For each quotation in a paragraph, whether its speech tag gives it to the narrator ("…," said I)."""
    quotes = quotations(text)
    out = []
    for k, q in enumerate(quotes):
        after = text[q.end:quotes[k + 1].start if k + 1 < len(quotes) else len(text)]
        before = text[quotes[k - 1].end if k else 0:q.start]
        tags = [m.group("who") or m.group("w2") for m in (_AFTER.search(after), q.start and _BEFORE.search(before))
                if m]
        out.append(tags[:1] == [NARRATOR])
    return out
