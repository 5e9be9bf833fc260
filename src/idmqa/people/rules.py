"""The thresholds of the people rules, named in one place.

A rule set has a name; change a value, change the name: the manifest of an index records the
attribution rules it was built with (as it records the chunker version), and the lookup rules
are those of the serving code. The words the rules read are :mod:`idmqa.lexicon`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class AttributionRules:
    """Build time: who a report names, and whose statements each sentence reports."""

    name: str
    #: two name tokens this similar (difflib ratio) may be one spelling of the other
    #: ("Ranieri"/"Raniero"); shorter tokens must be equal
    similar_name: float = 0.8
    similar_min_length: int = 4
    #: a role written after a name ("M. X, <role>, a dit") is this long, in characters
    apposition_chars: tuple[int, int] = (3, 300)
    #: a capitalised word alone is a surname ("Comme Martin et Weerasinghe…") from this long
    surname_min_length: int = 4
    #: a verb of speech this far after a mention (characters, same sentence) is theirs
    speech_reach: int = 420
    #: "Mme X, role, et Mme Y, role, ont dit": at most this many characters between the two
    shared_verb_gap: int = 250
    #: a title designates its holder when it repeats this share of the holder's role words,
    #: and has at least this many distinct words ("le Directeur général" alone is anyone's)
    title_coverage: float = 0.75
    title_min_words: int = 3
    #: a statement runs on over at most this many following paragraphs that name nobody, up
    #: to the last one that shows it goes on: a pronoun subject, or the speaker's
    #: organisation or country — unless that word is in more than this share of the
    #: report's paragraphs ("l'OIM" in an IOM report tells nothing)
    continued_paragraphs: int = 4
    cue_max_share: float = 0.1
    #: a paragraph opening with the name of someone who spoke this many paragraphs back (same
    #: section) goes on with their statement ("Mme B est une survivante… Elle a créé…")
    recent_speaker_paragraphs: int = 3
    #: namesakes ("M. Khan"): weights of the context that tells them apart
    wide_context: float = 0.3
    co_mention: float = 3.0
    gender: float = 2.0
    recency: float = 1.5

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class LookupRules:
    """Query time: which people a query (``GET /speakers?q=``) or a question names."""

    name: str
    #: a query word matches a name or role word this similar (rapidfuzz ratio, 0-100)…
    fuzzy_word: float = 80.0
    #: …when both are at least this long; shorter words must match a word's beginning
    fuzzy_min_length: int = 4
    #: "did you mean": names at least this similar (rapidfuzz WRatio) to a query that matched
    #: nobody, at most this many
    suggestion: float = 60.0
    suggestions: int = 3
    #: a query word found in a name weighs this much more than one found in a role
    name_weight: float = 2.0
    #: what a query word is worth when it begins a word, or nearly matches one (times the
    #: ratio), against 1 for a word it equals
    prefix_score: float = 0.9
    fuzzy_score: float = 0.8
    #: a query designates its best match by name (the speaker filter, /speakers/{name}) when
    #: that one scores this much more than the next
    resolve_margin: float = 0.5
    #: a question designates people by title and country or organisation ("El Salvador's
    #: vice-minister") when at most this many hold both: a report may quote successive
    #: holders of one office; more of them say the question means no one in particular
    role_holders: int = 2

    def to_json(self) -> dict:
        return asdict(self)


ATTRIBUTION = AttributionRules(name="attribution-5")
LOOKUP = LookupRules(name="lookup-1")
