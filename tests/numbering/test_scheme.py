"""Numbering schemes: their recorded text, and whether two of them could print one number."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit.numbering.pattern import NumberPattern
from slakit.numbering.scheme import NumberingScheme

DEFAULT = "{prefix}{date:%Y%m%d}{seq:03d}"


def scheme(pattern=DEFAULT, *, prefix="TS", reset="daily", check="none", widen=False):
    return NumberingScheme(prefix=prefix, pattern=pattern, reset=reset, check=check, widen=widen)


def test_text_is_canonical_json_and_reads_back():
    daily = scheme(prefix="技术")
    assert daily.text == (
        '{"check":"none","pattern":"{prefix}{date:%Y%m%d}{seq:03d}","prefix":"技术","reset":"daily","widen":false}'
    )
    assert NumberingScheme.from_text(daily.text) == daily


@pytest.mark.parametrize(
    "text",
    [
        None,
        5,
        "",
        "[]",
        "{",
        '{"check":"none","pattern":"{prefix}{seq:03d}","prefix":"TS","reset":"daily"}',
        '{"check":"none","pattern":"{prefix}{seq:03d}","prefix":"TS","reset":"hourly","widen":false}',
        '{"check":"crc","pattern":"{prefix}{seq:03d}","prefix":"TS","reset":"daily","widen":false}',
        '{"check":["none"],"pattern":"{prefix}{seq:03d}","prefix":"TS","reset":"daily","widen":false}',
        '{"check":"none","pattern":"{prefix}{seq:03d}","prefix":"TS","reset":"daily","widen":0}',
        '{"check":"none","pattern":"{seq:03d}","prefix":"TS","reset":"daily","widen":false}',
        '{"check":"none","pattern":"{prefix}{seq:03d}","prefix":"","reset":"daily","widen":false}',
        '{"check":"none","pattern":5,"prefix":"TS","reset":"daily","widen":false}',
        '{"widen":false,"check":"none","pattern":"{prefix}{seq:03d}","prefix":"TS","reset":"daily"}',  # not canonical
        "[" * 100_000,
    ],
)
def test_from_text_refuses_what_is_not_a_scheme(text):
    with pytest.raises(ValueError, match="numbering scheme"):
        NumberingScheme.from_text(text)


def test_numbering_alike_needs_prefix_reset_and_layout():
    daily = scheme()
    assert daily.numbers_alike(scheme(widen=True))
    assert daily.numbers_alike(scheme("{prefix}{date:%Y%m%d}{seq:03d}{{}}".replace("{{}}", "")))
    assert scheme(check="luhn").numbers_alike(scheme(DEFAULT + "{check}", check="luhn"))
    assert not daily.numbers_alike(scheme(reset="monthly"))
    assert not daily.numbers_alike(scheme(prefix="SS"))
    assert not daily.numbers_alike(scheme("{prefix}{date:%Y%m%d}{seq:04d}"))
    assert not daily.numbers_alike(scheme(check="luhn"))
    # The same texts from another split of prefix and literal text: the keys differ, so not alike.
    assert not scheme("{prefix}-{seq:03d}", reset="never").numbers_alike(
        scheme("{prefix}{seq:03d}", prefix="TS-", reset="never")
    )


@pytest.mark.parametrize(
    ("a", "b", "may_repeat"),
    [
        # The case: the same pattern counted per month issues TS20240501001 again.
        (scheme(), scheme(reset="monthly"), True),
        (scheme(), scheme(widen=True), False),  # alike
        (scheme(), scheme("{prefix}-{date:%Y%m%d}-{seq:03d}"), False),
        (scheme(), scheme("{prefix}{date:%Y%m%d}{seq:04d}"), False),  # 13 against 14 characters
        (scheme(widen=True), scheme("{prefix}{date:%Y%m%d}{seq:04d}"), True),  # widened, 14 fit both
        (scheme("{prefix}{date:%Y%m%d}{seq:02d}"), scheme("{prefix}{date:%Y%m}{seq:04d}", reset="monthly"), True),
        (scheme(), scheme(check="luhn"), False),
        (scheme(widen=True), scheme(check="luhn"), True),  # TS202405011000 against TS20240501001 + digit
        (scheme(), scheme(prefix="SS"), False),
        (
            scheme("{prefix}{seq:03d}", prefix="A", reset="never"),
            scheme("{prefix}{seq:02d}", prefix="A0", reset="never"),
            True,
        ),
        (
            scheme("{prefix}{seq:03d}", prefix="A", reset="never"),
            scheme("{prefix}{seq:02d}", prefix="AX", reset="never"),
            False,
        ),
        (
            scheme("{check}{prefix}{seq:01d}", check="luhn", reset="never"),
            scheme("{prefix}{seq:01d}", prefix="1TS", reset="never"),
            True,
        ),
        (
            scheme("{prefix}{seq:01d}", reset="never", widen=True),
            scheme("{prefix}-{seq:01d}", reset="never", widen=True),
            False,
        ),
    ],
)
def test_may_repeat(a, b, may_repeat):
    assert a.may_repeat(b) is may_repeat
    assert b.may_repeat(a) is may_repeat


def test_long_patterns_are_compared_quickly():
    literal = "x" * 20_000
    a = scheme(literal + "{prefix}{seq:018d}", reset="never", widen=True)
    b = scheme(literal + "{prefix}{seq:017d}", reset="never", widen=True)
    assert a.may_repeat(b)
    assert not a.may_repeat(scheme(literal + "{prefix}-{seq:018d}", reset="never", widen=True))


# An independent oracle: print real numbers of two schemes and look for one text in both.

DATE_SPECS = [None, "%Y%m%d", "%Y%m", "%Y", "%y%j", "%d%m%Y", "%Y-%m"]
DAYS = [date(2024, 5, 1), date(2024, 5, 2), date(2024, 6, 1), date(2001, 1, 1), date(2001, 1, 10)]


def _tells_periods_apart(spec, reset):
    """The documented rule (docs/numbering.md): the date must print the period's year and its part."""
    if reset == "never":
        return True
    if spec is None or not ("%Y" in spec or "%y" in spec):
        return False
    if reset == "daily":
        return ("%m" in spec and "%d" in spec) or "%j" in spec
    if reset == "monthly":
        return "%m" in spec or "%j" in spec
    return True


def _period(reset, day):
    return {"daily": day.isoformat(), "monthly": day.isoformat()[:7], "yearly": day.isoformat()[:4], "never": "all"}[
        reset
    ]


@st.composite
def scheme_parts(draw):
    """The choices a scheme is made of, so that a second scheme can share some of them."""
    spec = draw(st.sampled_from(DATE_SPECS))
    check = draw(st.sampled_from(["none", "luhn", "mod97"]))
    tokens = ["{prefix}", f"{{seq:0{draw(st.integers(1, 3))}d}}"]
    if spec is not None:
        tokens.append(f"{{date:{spec}}}")
    if check != "none" and draw(st.booleans()):
        tokens.append("{check}")
    return {
        "prefix": draw(st.sampled_from(["T", "T1", "TS", "1"])),
        "spec": spec,
        "check": check,
        "tokens": draw(st.permutations(tokens)),
        "separators": draw(st.lists(st.sampled_from(["", "", "-", "0", "1"]), min_size=5, max_size=5)),
        "reset": draw(st.sampled_from(["daily", "monthly", "yearly", "never"])),
        "widen": draw(st.booleans()),
    }


def _scheme_of(parts):
    tokens = parts["tokens"]
    pattern = "".join(sep + token for sep, token in zip(parts["separators"], [*tokens, ""], strict=False))
    reset = parts["reset"] if _tells_periods_apart(parts["spec"], parts["reset"]) else "never"
    return scheme(pattern, prefix=parts["prefix"], reset=reset, check=parts["check"], widen=parts["widen"])


@st.composite
def scheme_pairs(draw):
    """Two schemes; the second mostly shares all but one or two of the first one's choices."""
    first, other = draw(scheme_parts()), draw(scheme_parts())
    changed = draw(st.sets(st.sampled_from(sorted(first)), max_size=draw(st.sampled_from([2, 2, 2, len(first)]))))
    second = {name: other[name] if name in changed else first[name] for name in first}
    if changed & {"spec", "check", "tokens"}:  # the tokens must match the date and check chosen
        second["tokens"], second["spec"], second["check"] = other["tokens"], other["spec"], other["check"]
    return _scheme_of(first), _scheme_of(second)


def _printed(s):
    pattern = NumberPattern(s.pattern, prefix=s.prefix, check=s.check, widen=s.widen)
    top = 120 if s.widen else min(pattern.max_seq, 120)
    out = {}
    for day in DAYS + [DAYS[0] + timedelta(days=n) for n in (9, 10, 30, 31)]:
        for seq in range(1, top + 1):
            out.setdefault(pattern.render(day, seq), set()).add((f"{s.prefix}:{_period(s.reset, day)}", seq))
    return out


@given(scheme_pairs())
def test_two_schemes_that_print_one_text_are_never_admitted_together(pair):
    a, b = pair
    texts_a, texts_b = _printed(a), _printed(b)
    shared = texts_a.keys() & texts_b.keys()
    if shared and not a.numbers_alike(b):
        assert a.may_repeat(b), f"{a.describe()} and {b.describe()} both print {sorted(shared)[:3]}"
    if a.numbers_alike(b):
        # Alike schemes print one text only for one (key, sequence): the counter gives it once.
        for text in shared:
            assert texts_a[text] == texts_b[text]
    assert a.may_repeat(b) == b.may_repeat(a)
