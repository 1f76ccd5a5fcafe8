"""Keyword classification of tickets: rules of keywords -> a category of the taxonomy, with a score.

Build one with :meth:`Classifier.from_config` from a policy's ``classification`` section::

    classifier = Classifier.from_config({
        "types": {"技术支持类": {"code": "technical", "subtypes": ["功能咨询", "软件故障排查"]}},
        "rules": [
            {"category": "技术支持类/软件故障排查", "keywords": ["卡顿", "报错", "crash*"], "weight": 1},
        ],
    })
    result = classifier.classify("软件卡顿，打开就报错")
    result.category    # '技术支持类/软件故障排查'
    result.keywords    # ('卡顿', '报错')
    result.score       # Decimal('2')

Matching (docs/presets.md has the full rules):

- Text and keywords are compared after Unicode NFKC normalisation and case folding, so full-width
  ``ＥＲＲＯＲ`` matches ``error`` (and ``’`` matches ``'``); a run of spaces in a keyword matches
  any run of whitespace.
- A keyword edge that is a Chinese, Japanese, Korean or other unspaced-script character matches
  anywhere (substring); an edge that is a letter, digit or ``_`` of a spaced script must be a word
  boundary: ``error`` matches "login error" and "打开就error了" but not "terrorism" or "errors".
  A trailing ``*`` drops the boundary at the end: ``error*`` also matches "errors".
- A category's score is the sum of the weights of its distinct matched keywords (a keyword found
  twice counts once). The highest score wins; ties go to a subtype over a type, then to the
  category whose first rule comes first. No match gives ``None``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, NamedTuple

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, field_validator

from slakit._config import ConfigSource, config_model
from slakit.errors import listed, shown
from slakit.priority.taxonomy import SEPARATOR, Category, Taxonomy, TaxonomyConfig, TypeConfig

__all__ = ["Classification", "ClassificationConfig", "Classifier", "RuleConfig", "normalize_text"]

_WHAT = "classification"
_STAR = "*"
_MAX_KEYWORD = 100
"""The longest keyword or phrase, in characters after normalisation (the matcher's trie is that deep)."""

# Scripts written without spaces between words: a keyword edge in one of them matches anywhere.
# Han (with extensions, compatibility ideographs and radicals), kana, bopomofo, Hangul, Thai, Lao,
# Khmer and Myanmar.
_UNSPACED = (
    (0x0E00, 0x0EFF),
    (0x1000, 0x109F),
    (0x1100, 0x11FF),
    (0x1780, 0x17FF),
    (0x2E80, 0x2FDF),
    (0x3000, 0x9FFF),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3FFFF),
)


# Typographic apostrophes, as phones and word processors type them, compare as ASCII ones: won’t = won't.
_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'"})


def normalize_text(text: str) -> str:
    """Text as the classifier compares it: Unicode NFKC (full-width -> ASCII), case-folded, with
    typographic apostrophes (’) as ASCII ones."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)


@lru_cache(maxsize=8192)
def _is_word(char: str) -> bool:
    """Whether ``char`` belongs to a word of a spaced script (so a word boundary cannot fall next to it)."""
    if not (char.isalnum() or char == "_"):
        return False
    point = ord(char)
    return not any(low <= point <= high for low, high in _UNSPACED)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _keyword_list(value: Any) -> Any:
    """One keyword alone is a one-item list; numbers (``404`` in YAML) are keywords as written."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, list | tuple):
        return [str(item) if isinstance(item, int) and not isinstance(item, bool) else item for item in value]
    return value


class RuleConfig(BaseModel):
    """One keyword rule: the ``category`` it votes for (``type`` or ``type/subtype``), its
    ``keywords`` (a list, or one string) and the ``weight`` of each keyword (above 0, default 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: str
    keywords: Annotated[
        tuple[str, ...], BeforeValidator(_keyword_list, json_schema_input_type=str | int | list[str | int])
    ]
    weight: Decimal = Decimal(1)

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("'keywords' must list at least one keyword or phrase (got [])")
        stripped = tuple(keyword.strip() for keyword in value)
        for index, keyword in enumerate(stripped):
            literal = _collapse(normalize_text(keyword.removesuffix(_STAR)))
            if not literal or len(literal) > _MAX_KEYWORD:
                raise ValueError(
                    f"'keywords[{index}]' must be a non-empty keyword or phrase of at most {_MAX_KEYWORD} characters "
                    f"(got {shown(value[index])})"
                )
        return stripped

    @field_validator("weight")
    @classmethod
    def _weight(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or value <= 0:
            raise ValueError(f"'weight' must be a number above 0 (got {value})")
        return value


def _literal(keyword: str) -> str:
    """The text a keyword matches, normalised: no trailing star, whitespace runs as one space."""
    return _collapse(normalize_text(keyword.removesuffix(_STAR)))


class ClassificationConfig(TaxonomyConfig):
    """The validated ``classification`` section: ``types`` (see :class:`TaxonomyConfig`) and
    ``rules`` (a list of :class:`RuleConfig`, default none).

    Every rule must name a category of ``types``; a keyword may appear only once per category
    (compared the way matching compares: ignoring case, width and a trailing ``*``).
    """

    rules: tuple[RuleConfig, ...] = ()

    @field_validator("rules", mode="before", json_schema_input_type=tuple[RuleConfig, ...] | None)
    @classmethod
    def _no_rules(cls, value: Any) -> Any:
        return () if value is None else value

    @field_validator("rules")
    @classmethod
    def _known_categories(cls, value: tuple[RuleConfig, ...], info: ValidationInfo) -> tuple[RuleConfig, ...]:
        types: dict[str, TypeConfig] | None = info.data.get("types")
        if types is None:  # bad types are reported on their own
            return value
        paths = [
            path
            for name, spec in types.items()
            for path in (name, *(f"{name}{SEPARATOR}{sub}" for sub in spec.subtypes))
        ]
        known = set(paths)
        seen: dict[tuple[str, str], str] = {}
        for index, rule in enumerate(value):
            if rule.category not in known:
                raise ValueError(
                    f"'rules[{index}].category' must be one of {listed(paths)} (got {shown(rule.category)})"
                )
            for position, keyword in enumerate(rule.keywords):
                where = f"rules[{index}].keywords[{position}]"
                key = (rule.category, _literal(keyword))
                if key in seen:
                    raise ValueError(
                        f"{where!r} must not repeat a keyword of category {rule.category!r} "
                        f"(got {keyword!r}, already at {seen[key]})"
                    )
                seen[key] = where
        return value


@dataclass(frozen=True, slots=True)
class Classification:
    """The result of classifying a text.

    ``category`` is the path (``技术支持类/软件故障排查`` or a type alone), ``type`` and ``subtype``
    (``None`` for a type) its parts, ``code`` the type's English code, ``keywords`` the matched
    keywords as configured, in order of first appearance in the text, ``score`` the sum of their
    weights and ``route`` the role the type's tickets are dispatched to
    (``classification.types.<type>.route``; None when the policy names none).
    """

    category: str
    type: str
    subtype: str | None
    code: str
    keywords: tuple[str, ...]
    score: Decimal
    route: str | None = None

    @property
    def phrase(self) -> str:
        """The problem phrase that decided the category: its first matched keyword in the text (at one
        position the longest, so "设备无法启动" rather than "无法启动"), without a trailing ``*``.
        The report's top problems count tickets by it."""
        return self.keywords[0].removesuffix(_STAR)


class _Candidate(NamedTuple):
    """A literal that matches wherever a longer (or equal) literal matched at the same position."""

    length: int  # length in the normalised text, unless the literal has whitespace:
    pattern: re.Pattern[str] | None  # then this matches it, and its length in the text varies
    bounded_end: bool  # the literal ends with a word character: whole-word keywords need a boundary
    whole: tuple[int, ...]  # term ids of whole-word keywords (no trailing star)
    prefix: tuple[int, ...]  # term ids of keywords with a trailing star


class _Term(NamedTuple):
    category: int
    keyword: str
    weight: Decimal


def _token_pattern(char: str) -> str:
    return r"\s+" if char == " " else re.escape(char)


def _trie_pattern(literals: Sequence[str]) -> str:
    """One regex matching the longest of ``literals`` at a position, shaped as a trie so that the
    engine's first-character scan and branch checks stay cheap however many keywords there are."""
    end = ""  # a key no token can be: marks "a literal ends here"
    root: dict[str, Any] = {}
    for literal in literals:
        node = root
        for token in literal:
            node = node.setdefault(token, {})
        node[end] = {}

    def render(node: dict[str, Any]) -> str:
        branches = [_token_pattern(token) + render(child) for token, child in sorted(node.items()) if token]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end in node:  # a shorter literal ends here: try the longer ones first (greedy)
            body = f"(?:{body})?"
        return body

    # The top level stays a bare alternation so that search() can skip to possible first characters.
    return "|".join(_token_pattern(token) + render(child) for token, child in sorted(root.items()))


@dataclass(frozen=True, slots=True)
class Classifier:
    """Classifies ticket text (a subject, a description) into a category by keyword rules.

    Build with :meth:`from_config` or :meth:`load`; ``Classifier(config)`` takes an already
    validated :class:`ClassificationConfig`. Instances are immutable and safe to share between
    threads; the matching tables are built once, at construction.
    """

    config: ClassificationConfig = field(hash=False)
    taxonomy: Taxonomy = field(init=False, repr=False, compare=False, hash=False)
    _places: tuple[tuple[str, str, str | None, str, str | None], ...] = field(
        init=False, repr=False, compare=False, hash=False
    )
    _tie: tuple[tuple[bool, int], ...] = field(init=False, repr=False, compare=False, hash=False)
    _terms: tuple[_Term, ...] = field(init=False, repr=False, compare=False, hash=False)
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False, hash=False)
    _chains: Mapping[str, tuple[bool, tuple[_Candidate, ...]]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __reduce__(self) -> tuple[type[Classifier], tuple[ClassificationConfig]]:
        """Pickle as the config (worker processes rebuild the derived tables)."""
        return (Classifier, (self.config,))

    def __post_init__(self) -> None:
        taxonomy = Taxonomy(self.config)
        categories: list[Category] = []
        index_of: dict[str, int] = {}
        terms: list[_Term] = []
        by_literal: dict[str, tuple[list[int], list[int]]] = {}
        for rule in self.config.rules:
            if rule.category not in index_of:
                index_of[rule.category] = len(categories)
                categories.append(taxonomy.category(rule.category))
            for keyword in rule.keywords:
                whole, prefix = by_literal.setdefault(_literal(keyword), ([], []))
                (prefix if keyword.endswith(_STAR) else whole).append(len(terms))
                terms.append(_Term(index_of[rule.category], keyword, rule.weight))

        def candidate(literal: str) -> _Candidate:
            whole, prefix = by_literal[literal]
            spaced = " " in literal
            return _Candidate(
                length=-1 if spaced else len(literal),
                pattern=re.compile(_trie_pattern([literal])) if spaced else None,
                bounded_end=_is_word(literal[-1]),
                whole=tuple(whole),
                prefix=tuple(prefix),
            )

        literals = sorted(by_literal)
        candidates = {literal: candidate(literal) for literal in literals}
        chains = {  # a literal, then every literal that is a prefix of it, longest first
            literal: (
                _is_word(literal[0]),
                tuple(
                    candidates[literal[:size]] for size in range(len(literal), 0, -1) if literal[:size] in candidates
                ),
            )
            for literal in literals
        }
        set_ = object.__setattr__
        set_(self, "taxonomy", taxonomy)
        set_(self, "_places", tuple((c.path, c.type, c.subtype, c.code, c.route) for c in categories))
        # On equal scores a subtype beats a type, then the category of the earlier first rule
        # (categories are numbered in order of their first rule).
        set_(self, "_tie", tuple((c.is_subtype, -index) for index, c in enumerate(categories)))
        set_(self, "_terms", tuple(terms))
        set_(self, "_pattern", re.compile(_trie_pattern(literals)) if literals else None)
        set_(self, "_chains", chains)

    @classmethod
    def from_config(cls, source: ConfigSource | ClassificationConfig) -> Classifier:
        """Build a classifier from a policy's ``classification`` section: a mapping with ``types``
        and ``rules``, JSON/YAML/TOML text, a path, or a validated config model.

        Malformed configuration (an unknown category in a rule, a repeated keyword, a weight of 0,
        ...) raises :class:`~slakit.errors.ConfigError` naming the key, the value and what would be
        accepted.
        """
        return cls(config_model(ClassificationConfig, source, what=_WHAT))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Classifier:
        """Build a classifier from a JSON, YAML or TOML file (a plain ``str`` is a path here, not text)."""
        return cls.from_config(Path(path))

    def classify(self, text: str) -> Classification | None:
        """The best category for ``text``, or ``None`` when no keyword matches.

        Highest score first; on equal scores a subtype beats a type, then the category whose first
        rule comes first in the configuration wins.
        """
        found = self._scan(text)
        if not found:
            return None
        scores, keywords = self._tally(found)
        if len(scores) == 1:
            best = next(iter(scores))
        else:
            tie = self._tie
            best = max(scores, key=lambda category: (scores[category], tie[category]))
        return self._result(best, scores[best], keywords[best])

    def candidates(self, text: str) -> tuple[Classification, ...]:
        """Every category with a matching keyword, best first (``classify`` returns the first)."""
        scores, keywords = self._tally(self._scan(text))
        tie = self._tie
        ranked = sorted(scores, key=lambda category: (scores[category], tie[category]), reverse=True)
        return tuple(self._result(category, scores[category], keywords[category]) for category in ranked)

    def _tally(self, found: Mapping[int, None]) -> tuple[dict[int, Decimal], dict[int, list[str]]]:
        """Each matched category's score and keywords (in order of appearance)."""
        scores: dict[int, Decimal] = {}
        keywords: dict[int, list[str]] = {}
        terms = self._terms
        for term_id in found:
            category, keyword, weight = terms[term_id]
            if category in scores:
                scores[category] += weight
                keywords[category].append(keyword)
            else:
                scores[category] = weight
                keywords[category] = [keyword]
        return scores, keywords

    def _result(self, category: int, score: Decimal, keywords: list[str]) -> Classification:
        path, type_, subtype, code, route = self._places[category]
        return Classification(
            category=path, type=type_, subtype=subtype, code=code, keywords=tuple(keywords), score=score, route=route
        )

    def _scan(self, text: str) -> dict[int, None]:
        """The ids of the matching keyword terms, in order of first appearance (an ordered set).

        The trie regex finds, at each position where some keyword starts, the longest literal
        there; the literals that are prefixes of it match at the same position too. Searching again
        from the next character finds overlapping keywords (``退换货`` and ``换货``).
        """
        pattern = self._pattern
        if pattern is None:
            return {}
        norm = normalize_text(text)
        size = len(norm)
        found: dict[int, None] = {}
        chains = self._chains
        is_word = _is_word
        search = pattern.search
        match = search(norm)
        while match is not None:
            start = match.start()
            key = match.group()
            entry = chains.get(key)
            bounded_start, chain = entry if entry is not None else chains[_collapse(key)]
            if not (bounded_start and start > 0 and is_word(norm[start - 1])):
                for cand in chain:
                    if cand.whole:
                        if cand.pattern is None:
                            end = start + cand.length
                        else:  # a phrase with whitespace: its length in the text varies
                            spans = cand.pattern.match(norm, start)
                            end = start if spans is None else spans.end()
                        if not (cand.bounded_end and end < size and is_word(norm[end])):
                            for term_id in cand.whole:
                                found.setdefault(term_id, None)
                    for term_id in cand.prefix:
                        found.setdefault(term_id, None)
            match = search(norm, start + 1)
        return found
