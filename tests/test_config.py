"""Config sources (slakit._config): bad input is a typed error, in bounded time and memory.

Every public ``from_config`` and ``from_dict`` is found by reading the source (as ``grep`` would) and
fed random JSON-like values and config texts: nothing but a ``SlakitError`` may come out, each in
bounded time. The regression tests below are the cases of issue 16 (alias bomb, deep nesting, a TOML
syntax error, ``holidays: NO``, a GBK file).
"""

from __future__ import annotations

import ast
import importlib
import time
import tracemalloc
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import slakit
from slakit import presets
from slakit._config import MAX_ALIASED, MAX_NESTING, check_nesting, load_file, load_mapping
from slakit.calendar import BusinessCalendar
from slakit.demo.export import generate
from slakit.errors import ConfigError, SlakitError
from slakit.policy import ServicePolicy

SRC = Path(slakit.__file__).resolve().parent
BOUND = 1.0  # seconds of this process's CPU time per call (CPU, so that other work on the machine does not count)


def _public_loaders() -> Iterator[tuple[str, str, str]]:
    """``(module, class, method)`` of every public ``from_config`` / ``from_dict`` classmethod in the source."""
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        if any(part.startswith("_") and part != "__init__" for part in parts):
            continue
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name in ("from_config", "from_dict"):
                        yield module, node.name, item.name


LOADERS = sorted(_public_loaders())


def _loader(entry: tuple[str, str, str]) -> Callable[[Any], object]:
    module, name, method = entry
    return getattr(getattr(importlib.import_module(module), name), method)  # type: ignore[no-any-return]


def test_every_loader_is_found() -> None:
    found = {f"{name}.{method}" for _, name, method in LOADERS}
    assert found >= {
        "BusinessCalendar.from_config",
        "Classifier.from_config",
        "EscalationRules.from_config",
        "Policy.from_config",
        "PrefixMap.from_config",
        "PriorityMatrix.from_config",
        "ServicePolicy.from_config",
        "SurveyScheme.from_config",
        "Taxonomy.from_config",
        "Ticket.from_dict",
    }


# -- random JSON-like input ------------------------------------------------------------------------------


def _model_fields() -> set[str]:
    """Every field name of slakit's config models, so that random mappings reach past the first check."""
    for module, _, _ in LOADERS:
        importlib.import_module(module)
    names: set[str] = set()
    pending = list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__module__.startswith("slakit"):
            names.update(model.model_fields)
    return names


KEYS = sorted(
    _model_fields()
    | {"id", "created_at", "priority", "flags", "events", "at", "type", "author", "public", "until", "metric"}
    | {"mon-fri", "sat", "sun-thu", "P1", "P2", "default", "response", "resolution", "update", "CN"}
    | {"all", "any", "not", "fact", "op", "value", "ticket.priority", "sla.response.breached"}
)
NASTY = [
    "",
    " ",
    "NO",
    "Asia",
    "Asia/Shanghai",
    "../../etc/passwd",
    "/etc/localtime",
    "UTC\x00",
    "\ud800",
    "A" * 5_000,
    "９０m",
    "١٢h",
    "０９:00-18:00",
    "09:00-18:00",
    "24:00-24:00",
    "22:00-06:00",
    "99999999999w",
    "9" * 400 + "s",
    "P99999999999W",
    "PT1.5H1M",
    "1d",
    "-1h",
    "2025-01-01",
    "2025-02-30",
    "2025-01-01T00:00Z",
    "2025-01-01T00:00",
    "0001-01-01T00:00+14:00",
    "9999-12-31T23:59:59.999999-12:00",
    "mon-fri",
    "a: &a [*a]",
    "{",
    "[[[[",
    'timezone = "UTC"\nhours = {',
    "timezone: UTC\nholidays: NO\n",
    "null",
    "true",
    "1e309",
    "NaN",
    "🙂",
    "\u202eevil",
    "技术支持类",
    "==",
    ">=",
    "P1",
    "agent",
    "reply",
    "extend",
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([10**30, 2**63, 2**63 - 1, -(2**63), -1, 0, 10**4000])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(NASTY)
)
JSON_LIKE = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


def _bases() -> dict[str, list[Any]]:
    """Valid input of each loader, for mutations that reach past the first check."""
    policies = [dict(presets.config(name)) for name in presets.names()]
    sla_only = [{key: value for key, value in policy.items() if key not in _OTHER_SECTIONS} for policy in policies]
    tickets = [demo.ticket.to_dict() for demo in generate(40, seed=16, as_of=datetime(2025, 10, 1, tzinfo=UTC))]
    return {
        "BusinessCalendar.from_config": [c for policy in policies for c in policy["calendars"].values()],
        "Classifier.from_config": [policy["classification"] for policy in policies if "classification" in policy],
        "EscalationRules.from_config": [policy["escalation"] for policy in policies if "escalation" in policy],
        "Policy.from_config": sla_only,
        "PrefixMap.from_config": [{"prefixes": {"技术支持类": "TS", "售后服务类": "SS"}}],
        "PriorityMatrix.from_config": [policy["priority_matrix"] for policy in policies if "priority_matrix" in policy],
        "ServicePolicy.from_config": policies,
        "SurveyScheme.from_config": [policy["survey"] for policy in policies if "survey" in policy],
        "Taxonomy.from_config": [{"types": p["classification"]["types"]} for p in policies if "classification" in p],
        "Ticket.from_dict": [ticket for ticket in tickets if ticket["events"]][:10],
    }


_OTHER_SECTIONS = ("priority_matrix", "classification", "survey", "escalation")
BASES = _bases()


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON-like tree (keys of mappings, indexes of lists)."""
    yield path
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of ``value`` with the part at ``path`` replaced by ``new`` (removed when ``new`` is _GONE)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, Mapping):
        copy = dict(value)
        if new is _GONE and not rest:
            del copy[head]
        else:
            copy[head] = _replaced(value[head], rest, new)
        return copy
    items = list(value)
    if new is _GONE and not rest:
        del items[head]
    else:
        items[head] = _replaced(items[head], rest, new)
    return items


_GONE = object()


@st.composite
def _mutations(draw: st.DrawFn, name: str) -> Any:
    """A valid input of the loader with one to three parts replaced by random values or removed."""
    value = draw(st.sampled_from(BASES.get(name) or [{}]))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(value))))
        value = _replaced(value, path, draw(JSON_LIKE | st.just(_GONE) if path else JSON_LIKE))
    return value


def _call_bounded(load: Callable[[Any], object], value: object) -> None:
    started = time.process_time()
    message = ""
    try:
        load(value)
    except SlakitError as exc:
        message = str(exc)
    assert time.process_time() - started < BOUND
    assert len(message) < 5_000, "an error message must show the value shortened"


@pytest.mark.parametrize("entry", LOADERS, ids=[f"{name}.{method}" for _, name, method in LOADERS])
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(value=JSON_LIKE)
def test_random_json_like_values_give_only_slakit_errors(entry: tuple[str, str, str], value: object) -> None:
    """Issue 16: every loader, fed anything JSON can hold (and any string, which is read as config text),
    raises nothing but a SlakitError, with a message of bounded size, within a second."""
    _call_bounded(_loader(entry), value)


@pytest.mark.parametrize("entry", LOADERS, ids=[f"{name}.{method}" for _, name, method in LOADERS])
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(data=st.data())
def test_valid_input_with_random_parts_gives_only_slakit_errors(
    entry: tuple[str, str, str], data: st.DataObject
) -> None:
    """The same, for a valid config or ticket with a few parts replaced by random values (or removed)."""
    _, name, method = entry
    _call_bounded(_loader(entry), data.draw(_mutations(f"{name}.{method}")))


# -- alias bombs -------------------------------------------------------------------------------------------

BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(7)
)


def test_a_yaml_alias_bomb_is_refused_quickly_in_little_memory() -> None:
    """Issue 16: 300 bytes expanding to 43 million values took 40 s and 4.3 GB (the whole input's repr was
    built for the message); it is refused while it is read."""
    assert len(BOMB) < 300
    tracemalloc.start()
    started = time.process_time()
    try:
        with pytest.raises(ConfigError, match=f"repeat more than {MAX_ALIASED:,} values by line 6") as caught:
            BusinessCalendar.from_config(BOMB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.process_time() - started < BOUND
    assert peak < 20_000_000
    assert "(got 'a: &a [x,x" in str(caught.value)
    assert len(str(caught.value)) < 300


def test_a_bomb_built_in_python_is_shown_shortened() -> None:
    """The message of a structure with shared parts (not read from YAML) is bounded too."""
    bomb: object = ["x"] * 9
    for _ in range(8):
        bomb = [bomb] * 9
    started = time.process_time()
    with pytest.raises(ConfigError, match=r"timezone: .*\(got \[\[\[\[") as caught:
        BusinessCalendar.from_config({"timezone": bomb})
    assert time.process_time() - started < BOUND
    assert len(str(caught.value)) < 1_000


def test_aliases_within_the_limit_are_read() -> None:
    text = """
    timezone: Asia/Shanghai
    hours:
      mon-thu: &office ["09:00-12:00", "13:00-18:00"]
      fri: *office
    """
    calendar = BusinessCalendar.from_config(text.replace("\n    ", "\n"))
    assert calendar.config.hours["fri"] == ("09:00-12:00", "13:00-18:00")


def test_an_alias_to_itself_is_refused() -> None:
    with pytest.raises(ConfigError, match="alias that contains itself"):
        load_mapping("a: &a [1, *a]\n", what="calendar")


# -- nesting -----------------------------------------------------------------------------------------------


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "text",
    [
        '{"timezone": "UTC", "hours": ' + _nested(100_000) + "}",  # JSON
        "timezone: UTC\nhours: " + _nested(20_000),  # YAML flow
        "timezone: UTC\nhours:\n" + "".join(" " * i + "- \n" for i in range(0, 400, 2)),  # YAML block
        'timezone = "UTC"\nhours = ' + _nested(20_000),  # TOML
        'timezone = "UTC"\nhours = ' + "{a = " * 500 + "1" + "}" * 500,  # TOML inline tables
    ],
    ids=["json", "yaml-flow", "yaml-block", "toml-arrays", "toml-tables"],
)
def test_text_nested_too_deep_is_refused(text: str) -> None:
    """Issue 16: deep nesting raised RecursionError."""
    started = time.process_time()
    with pytest.raises(ConfigError, match=f"more than {MAX_NESTING} levels deep"):
        BusinessCalendar.from_config(text)
    assert time.process_time() - started < BOUND


def test_nesting_up_to_the_limit_is_read_and_one_more_is_refused() -> None:
    inner = _nested(MAX_NESTING - 1)  # inside the top mapping, level 1
    assert load_mapping('{"x": ' + inner + "}", what="test")["x"]
    assert load_mapping("x: " + inner, what="test")["x"]
    assert load_mapping("x = " + inner, what="test")["x"]
    for text in ('{"x": [' + inner + "]}", "x: [" + inner + "]", "x = [" + inner + "]"):
        with pytest.raises(ConfigError, match="'test' nests lists and mappings more than 100 levels deep"):
            load_mapping(text, what="test")


def test_a_mapping_source_nested_too_deep_or_containing_itself_is_refused() -> None:
    deep: dict[str, Any] = {}
    for _ in range(20_000):
        deep = {"x": deep}
    with pytest.raises(ConfigError, match="more than 100 levels deep"):
        BusinessCalendar.from_config({"timezone": "UTC", "hours": deep})
    looped: dict[str, Any] = {"timezone": "UTC"}
    looped["hours"] = looped
    with pytest.raises(ConfigError, match="more than 100 levels deep"):
        BusinessCalendar.from_config(looped)
    check_nesting({"a": [[1]]}, field="x")  # shallow: nothing to say


def _not_rule(depth: int) -> dict[str, Any]:
    when: dict[str, Any] = {"fact": "ticket.priority", "op": "==", "value": "P1"}
    for _ in range(depth):
        when = {"not": when}
    return {"escalation": {"rules": [{"name": "deep", "level": 0, "when": when}]}}


def test_a_rule_of_5000_nested_nots_is_refused() -> None:
    """Issue 16: 5,000 nested ``not`` in an escalation rule raised RecursionError."""
    with pytest.raises(ConfigError, match="'policy' nests lists and mappings more than 100 levels deep"):
        ServicePolicy.from_config(_not_rule(5_000))
    leaf = '{"fact": "ticket.priority", "op": "==", "value": "P1"}'
    text = '{"escalation": {"rules": [{"name": "deep", "level": 0, "when": ' + '{"not": ' * 5_000 + leaf
    with pytest.raises(ConfigError, match="'policy' nests"):
        ServicePolicy.from_config(text + "}" * 5_000 + "}]}}")


def test_a_deep_policy_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{"name": ' + _nested(20_000) + "}", encoding="utf-8")
    with pytest.raises(ConfigError, match="more than 100 levels deep"):
        ServicePolicy.load(path)


# -- what the parser said ----------------------------------------------------------------------------------


def test_a_toml_syntax_error_shows_the_parsers_line_and_column() -> None:
    """Issue 16: broken TOML, which YAML reads as one plain string, was "must hold a mapping (got str...)"."""
    text = 'timezone = "UTC"\n[hours]\nmon-fri = ["09:00-18:00" "13:00-17:00"]\n'
    with pytest.raises(ConfigError, match=r"is not valid TOML \(.*line 3, column \d+\)") as caught:
        BusinessCalendar.from_config(text)
    assert "plain string" in str(caught.value)


def test_text_that_is_neither_toml_nor_yaml_shows_both_parsers() -> None:
    with pytest.raises(ConfigError, match=r"(?s)neither valid TOML \(.*\) nor valid YAML \(.*line 1, column"):
        BusinessCalendar.from_config("timezone: [UTC\n")


def test_a_toml_file_with_an_error_shows_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text('timezone = "UTC"\nhours = {mon = "09:00-18:00"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"calendar file .*calendar.toml' is not valid TOML: .*line 2"):
        BusinessCalendar.load(path)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("timezone: Europe/Oslo\nhours: {mon-fri: 08:00-16:00}\nholidays: NO\n", "holidays"),
        ("timezone: Europe/Oslo\nhours: {mon-fri: 08:00-16:00}\nholidays: {country: NO}\n", "holidays.country"),
        (
            "timezone: America/Toronto\nhours: {mon-fri: 09:00-17:00}\nholidays: {country: CA, subdivision: ON}\n",
            "holidays.subdivision",
        ),
    ],
)
def test_norway_read_as_false_is_explained(text: str, field: str) -> None:
    """Issue 16: YAML 1.1 reads an unquoted NO as false; the message says so and how to write it."""
    with pytest.raises(ConfigError, match=f"{field}: .*YAML reads unquoted yes, no, on and off as true or false"):
        BusinessCalendar.from_config(text)
    assert BusinessCalendar.from_config(text.replace("NO", "'NO'").replace("ON", "'ON'")).config.holidays


# -- files -------------------------------------------------------------------------------------------------


def test_a_gbk_file_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    """Issue 16: a GBK-encoded config raised UnicodeDecodeError."""
    path = tmp_path / "calendar.yaml"
    path.write_bytes("timezone: Asia/Shanghai\nholidays: CN  # 中国\n".encode("gbk"))
    with pytest.raises(
        ConfigError, match=r"calendar file .*calendar.yaml' is not UTF-8 text \(byte 0x.. at offset \d+"
    ):
        BusinessCalendar.load(path)


def test_a_utf8_file_with_a_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text('timezone = "Asia/Shanghai"\n', encoding="utf-8-sig")
    assert load_file(path, what="calendar")["timezone"] == "Asia/Shanghai"


def test_a_huge_value_is_shown_shortened_in_a_pydantic_error() -> None:
    started = time.process_time()
    with pytest.raises(ConfigError) as caught:
        BusinessCalendar.from_config({"timezone": "UTC", "hours": {"mon": ["x" * 50_000_000]}})
    assert time.process_time() - started < BOUND
    assert len(str(caught.value)) < 1_000


def test_the_limits_are_documented() -> None:
    design = (SRC.parent.parent / "docs" / "design.md").read_text(encoding="utf-8")
    assert f"{MAX_NESTING} levels" in design
    assert f"{MAX_ALIASED:,}" in design
    assert f"{timedelta.max.days:,} days" in design


# -- every config class: from_config(path-like) reads a file, a string is text, load(path) reads a file ------


def _config_classes():
    from slakit import ServicePolicy, presets
    from slakit.calendar import BusinessCalendar
    from slakit.escalation import EscalationRules
    from slakit.numbering import PrefixMap
    from slakit.priority import Classifier, PriorityMatrix, Taxonomy
    from slakit.sla import Policy
    from slakit.survey import SurveyScheme

    whole = dict(presets.config("p1-p3"))
    clocks = {key: whole[key] for key in ("calendars", "priorities")}
    return [
        (ServicePolicy, whole),
        (Policy, clocks),
        (BusinessCalendar, whole["calendars"]["default"]),
        (EscalationRules, whole["escalation"]),
        (SurveyScheme, whole["survey"]),
        (Classifier, whole["classification"]),
        (Taxonomy, {"types": whole["classification"]["types"]}),
        (PriorityMatrix, whole["priority_matrix"]),
        (PrefixMap, {"prefixes": {"技术支持类": "TS", "售后服务类": "SS"}}),
    ]


@pytest.mark.parametrize(("cls", "data"), _config_classes(), ids=lambda value: getattr(value, "__name__", ""))
def test_every_config_class_reads_files_from_paths_and_text_from_strings(cls, data, tmp_path, monkeypatch):
    """Issue #15: ``PrefixMap.from_config("numbering.toml")`` read the name as TOML text and there was no
    ``PrefixMap.load``; every class follows one convention, and the message for a file name says what to do."""
    expected = cls.from_config(data)
    file = tmp_path / "config.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert cls.from_config(file) == expected  # a path-like is a file
    assert cls.load(file) == cls.load(str(file)) == expected  # load takes a path or a string naming one
    assert cls.from_config(file.read_text(encoding="utf-8")) == expected  # a string is text
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"not as a file name.*\.load\('config\.yaml'\)"):
        cls.from_config("config.yaml")  # even when the file exists
    with pytest.raises(ConfigError, match=r"pathlib\.Path\('numbering\.toml'\)"):
        cls.from_config("numbering.toml")  # or does not


def test_a_report_with_many_problems_lists_a_few_and_counts_the_rest() -> None:
    """Regression: an SLA report missing its fields, with a value under each of many keys, gave a ConfigError of
    more than 5,000 characters (every problem listed, each with the value)."""
    from slakit.sla.report import SLAReport

    value = {"metrics": {"": {"allow_partial": None, "CN": False}, "contact_within": {"P2": -(10**20)}}}
    value.update({f"key{i}" * 30: {"x": "y" * 300} for i in range(40)})
    with pytest.raises(SlakitError) as caught:
        SLAReport.from_dict(value)
    message = str(caught.value)
    assert len(message) < 5_000
    assert "more problems" in message or message.count(";") < 8
