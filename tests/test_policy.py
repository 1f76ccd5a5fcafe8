"""``ServicePolicy`` reads every section of a policy file and holds each capability's part."""

import json
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest
import yaml
from hypothesis import given

from slakit import ServicePolicy, ServicePolicyConfig, presets
from slakit.errors import ConfigError
from slakit.escalation import EscalationRules
from slakit.sla import Policy, PolicyConfig
from slakit.sla.policy import SERVICE_SECTIONS
from slakit.survey import SurveyScheme
from slakit.testing import strategies as sst

CLOCKS = {
    "calendars": {"default": {"timezone": "UTC", "hours": {"mon-fri": ["09:00-18:00"]}}},
    "priorities": {"P1": {"name": "urgent", "rank": 1, "targets": {"response": "1h"}}},
}
ESCALATION = {
    "levels": [{"level": 1, "role": "lead"}],
    "rules": [{"name": "late", "when": {"fact": "sla.response.state", "op": "eq", "value": "breached"}, "level": 1}],
}


def test_a_policy_file_becomes_its_parts():
    policy = ServicePolicy.from_config(presets.config("p1-p3"))
    assert isinstance(policy.sla, Policy)
    assert isinstance(policy.escalation, EscalationRules)
    assert policy.escalation.rules
    assert isinstance(policy.survey, SurveyScheme)
    assert policy.classifier is not None
    assert policy.matrix is not None
    assert policy.name == "p1-p3"
    assert isinstance(policy.config, ServicePolicyConfig)
    assert policy.sla.config.priorities == policy.config.priorities


def test_sections_are_optional():
    policy = ServicePolicy.from_config(CLOCKS)
    assert policy.escalation.rules == ()
    assert policy.survey is None
    assert policy.classifier is None
    assert policy.matrix is None
    assert policy.sla.target("P1", "response").within == timedelta(hours=1)
    assert policy.name is None


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".toml"])
def test_a_policy_file_loads_in_each_format(tmp_path, suffix):
    config = {**CLOCKS, "escalation": ESCALATION}
    path = tmp_path / f"policy{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(config))
    elif suffix == ".yaml":
        path.write_text(yaml.safe_dump(config, allow_unicode=True))
    else:
        path.write_text(
            '[calendars.default]\ntimezone = "UTC"\nhours = { mon-fri = ["09:00-18:00"] }\n'
            '[priorities.P1]\nname = "urgent"\nrank = 1\ntargets = { response = "1h" }\n'
            '[[escalation.levels]]\nlevel = 1\nrole = "lead"\n'
            '[[escalation.rules]]\nname = "late"\nlevel = 1\n'
            'when = { fact = "sla.response.state", op = "eq", value = "breached" }\n'
        )
    policy = ServicePolicy.load(path)
    assert [rule.name for rule in policy.escalation.rules] == ["late"]
    assert policy == ServicePolicy.from_config(config)


def test_an_sla_policy_alone_is_a_service_policy_without_other_sections():
    sla = Policy.from_config(CLOCKS)
    policy = ServicePolicy.from_sla(sla)
    assert policy.sla is sla
    assert policy.escalation.rules == ()
    assert policy.config.priorities == sla.config.priorities


def test_presets_resolve_what_a_policy_argument_names(tmp_path):
    preset = presets.load("p1-p3")
    assert presets.resolve(preset) is preset
    assert presets.resolve("p1-p3") == preset
    assert presets.resolve(preset.sla).sla is preset.sla
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({**CLOCKS, "priorities": {"P1": {"name": "a", "rank": 1}}}))
    assert presets.resolve(path).sla.priorities["P1"].name == "a"
    assert presets.resolve(str(path)).sla.priorities["P1"].name == "a"
    with pytest.raises(ConfigError, match=r"'policy' must be a slakit\.ServicePolicy"):
        presets.resolve(42)  # type: ignore[arg-type]


def test_rules_are_checked_against_the_survey_dimensions():
    config = presets.config("p1-p3")
    config["escalation"]["rules"].append(
        {"name": "odd", "when": {"fact": "survey.taste", "op": "lt", "value": 3}, "level": 1}
    )
    with pytest.raises(ConfigError) as info:
        ServicePolicy.from_config(config)
    assert "survey.taste" in str(info.value)
    assert str(info.value.path).startswith("escalation.")


def test_presets_are_listed_loaded_and_copied():
    assert "p1-p3" in presets.names()
    policy = presets.load("p1-p3")
    assert policy.sla.target("P1", "response").within == timedelta(hours=2)
    assert policy.sla.target("P3", "resolution").within == timedelta(hours=72)
    mapping = presets.config("p1-p3")
    mapping["priorities"]["P1"]["targets"]["response"] = "1h"  # a fresh copy: extending it changes no one else
    assert presets.load("p1-p3").sla.target("P1", "response").within == timedelta(hours=2)
    assert ServicePolicy.from_config(mapping).sla.target("P1", "response").within == timedelta(hours=1)
    with pytest.raises(ConfigError, match="'preset' must be one of"):
        presets.load("p9")


def test_presets_carry_a_matrix_and_a_classifier():
    for name in presets.names():
        policy = presets.load(name)
        assert policy.matrix is not None
        assert policy.classifier is not None
        assert policy.matrix.priority_for("high", "high") in policy.sla.priorities
    p1p3 = presets.load("p1-p3")
    assert p1p3.classifier is not None
    found = p1p3.classifier.classify("设备无法启动")
    assert found is not None
    assert found.category == "售后服务类/硬件维修"


def test_matrix_cells_must_name_the_policys_priorities():
    config = presets.config("p1-p3")
    config["priority_matrix"]["matrix"]["high"]["low"] = "P9"
    with pytest.raises(ConfigError) as info:
        ServicePolicy.from_config(config)
    assert "'P9'" in str(info.value)
    assert info.value.path == "priority_matrix.matrix.high.low"


def test_the_sla_policy_knows_the_other_sections_by_name():
    assert set(SERVICE_SECTIONS) == set(ServicePolicyConfig.model_fields) - set(PolicyConfig.model_fields)


def test_a_service_config_with_other_sections_is_no_sla_policy():
    config = ServicePolicy.from_config(presets.config("p1-p3")).config
    with pytest.raises(ConfigError, match=r"slakit\.ServicePolicy"):
        Policy.from_config(config)
    assert Policy.from_config(config.sla_config()).priorities.keys() == {"P1", "P2", "P3"}


# -- the policy file's JSON Schema (issue #15, item 2) -----------------------------------------------------


def _as_an_editor_reads(data):
    """YAML dates as the strings an editor validates (yaml.safe_load makes them date objects), keys too."""
    if isinstance(data, dict):
        return {str(key): _as_an_editor_reads(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_as_an_editor_reads(item) for item in data]
    return json.loads(json.dumps(data, default=str))


@pytest.fixture(scope="module")
def policy_schema():
    schema = ServicePolicy.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", presets.names())
def test_every_shipped_preset_validates_against_the_policy_schema(policy_schema, name):
    policy_schema.validate(_as_an_editor_reads(presets.config(name)))


def test_a_policy_with_defined_metrics_and_slas_validates_against_the_policy_schema(policy_schema):
    config = presets.config("p1-p3")
    config["metrics"] = {"next_reply": {"start": [{"event": "reply", "author": "customer"}], "stop": ["reply"]}}
    config["priorities"]["P1"]["targets"]["next_reply"] = "2h"
    config["slas"] = [
        {"name": "vip", "when": GOLD, "targets": {"*": {"next_reply": "1h", "response": {"within": "30m"}}}}
    ]
    ServicePolicy.from_config(config)  # and slakit builds it
    policy_schema.validate(_as_an_editor_reads(config))
    config["slas"][0]["targets"]["*"]["next-reply"] = "1h"
    with pytest.raises(jsonschema.ValidationError):
        policy_schema.validate(_as_an_editor_reads(config))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("priorities", "P1", "rank"), "first"),
        (("priorities", "P1", "targets", "response"), ["2h"]),
        (("priorities", "P1", "targets", "respon-ze"), "2h"),  # no metric's name (any name may be defined)
        (("priorities", "P1", "targets", "response"), {"within": "2h", "clock": "wall"}),
        (("calendars", "default", "hours"), "09:00-18:00"),
        (("at_risk",), "high"),
        (("on_reopen",), "again"),
        (("escalation", "rules"), {"name": "x"}),
        (("survey", "dimensions"), 3),
        (("prioritys",), {}),
    ],
)
def test_a_broken_copy_of_a_preset_does_not_validate(policy_schema, path, value):
    data = _as_an_editor_reads(presets.config("p1-p3"))
    *parents, last = path
    place = data
    for key in parents:
        place = place[key]
    place[last] = value
    with pytest.raises(jsonschema.ValidationError):
        policy_schema.validate(data)
    with pytest.raises(ConfigError):  # and the library refuses it too
        ServicePolicy.from_config(data)


def test_every_section_of_the_policy_model_is_in_the_schema():
    """The schema is generated from the config models: a section added there appears here."""
    from slakit import schema

    assert set(ServicePolicy.json_schema()["properties"]) == set(ServicePolicyConfig.model_fields)
    assert schema.policy() == ServicePolicy.json_schema()


@given(sst.policy_configs())
def test_random_valid_policies_validate_against_the_schema(policy_schema, config):
    policy_schema.validate(_as_an_editor_reads(config))


# -- slas: every name checked when the policy is built, each error naming its path ---------------------------


def _with_slas(*entries: dict, **changes: object) -> dict:
    config = presets.config("p1-p3")
    config["calendars"]["night"] = {"timezone": "Asia/Shanghai", "hours": {"mon-sun": "20:00-08:00"}}
    return {**config, "slas": list(entries), **changes}


GOLD = {"fact": "ticket.attributes.tier", "op": "eq", "value": "gold"}


@pytest.mark.parametrize(
    ("entry", "message", "path"),
    [
        (
            {"name": "x", "when": GOLD, "targets": {"P9": {"response": "1h"}}},
            "'slas[1].targets.P9' names no priority (got 'P9')",
            "slas[1].targets.P9",
        ),
        (
            {"name": "x", "when": GOLD, "targets": {"P1": {"next_reply": "1h"}}},
            "'slas[1].targets.P1.next_reply' names no metric (got 'next_reply')",
            "slas[1].targets.P1.next_reply",
        ),
        (
            {"name": "x", "when": GOLD, "calendar": "nope", "targets": {"*": {"response": "1h"}}},
            "'slas[1].calendar' names no calendar (got 'nope')",
            "slas[1].calendar",
        ),
        (
            {"name": "x", "when": GOLD, "targets": {"*": {"response": {"within": "1h", "calendar": "nope"}}}},
            "'slas[1].targets.*.response.calendar' names no calendar (got 'nope')",
            "slas[1].targets.*.response.calendar",
        ),
        (
            {
                "name": "x",
                "when": {"fact": "ticket.tier", "op": "eq", "value": "a"},
                "targets": {"*": {"response": "1h"}},
            },
            "'slas[1].when.fact' must be a fact",
            "slas[1].when.fact",
        ),
        (
            {
                "name": "x",
                "when": {"fact": "ticket.complaints", "op": "ge", "value": 1},
                "targets": {"*": {"response": "1h"}},
            },
            "'slas[1].when' reads ticket.complaints",
            "slas[1].when",
        ),
        (
            {
                "name": "x",
                "when": {"not": {"fact": "ticket.reopens", "op": "ge", "value": 1}},
                "targets": {"*": {"response": "1h"}},
            },
            "'slas[1].when' reads ticket.reopens",
            "slas[1].when",
        ),
        (
            {
                "name": "x",
                "when": {"fact": "sla.response.state", "op": "eq", "value": "breached"},
                "targets": {"*": {"response": "1h"}},
            },
            "'slas[1].when' reads sla.response.state",
            "slas[1].when",
        ),
        (
            {
                "name": "x",
                "when": {"fact": "ticket.attributes.tier", "op": "ge", "value": "gold"},
                "targets": {"*": {"response": "1h"}},
            },
            "'slas[1].when.op' 'ge' does not apply",
            "slas[1].when.op",
        ),
        (
            {
                "name": "x",
                "when": {"fact": "ticket.attributes.tier", "op": "eq", "value": ["gold"]},
                "targets": {"*": {"response": "1h"}},
            },
            "'slas[1].when.value' must be",
            "slas[1].when.value",
        ),
        (
            {"name": "vip", "when": GOLD, "targets": {"*": {"response": "1h"}}},
            "'slas[1].name' 'vip' is used by 'slas[0]'",
            "slas[1].name",
        ),
    ],
)
def test_slas_names_are_checked_when_the_policy_is_built(entry, message, path):
    first = {"name": "vip", "when": GOLD, "targets": {"P1": {"response": "30m"}}}
    with pytest.raises(ConfigError) as raised:
        ServicePolicy.from_config(_with_slas(first, entry))
    assert message in str(raised.value)
    assert raised.value.path == path


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({"due": "end_of_business_day", "days": 1, "pausable": True}, "is not pausable"),
        ({"due": "end_of_business_day", "days": 1, "clock": "calendar"}, "counts the business days"),
        ({"due": "end_of_business_day", "days": -1}, "greater than or equal to 0"),
        ({"due": "end_of_business_day", "days": 1.5}, "valid integer"),
        ({"due": "end_of_business_day", "days": True}, "valid integer"),
        ({"due": "end_of_business_day", "days": 1, "within": "2h"}, "not both"),
        ({"days": 1}, "not both"),
        ({"within": "2h", "days": 1}, "'days' belongs to a relative target"),
        ({"due": "tomorrow", "days": 1}, "end_of_business_day"),
        (
            {"due": "end_of_business_day", "days": 1, "calendar": "nope"},
            "'priorities.P1.targets.resolution.calendar' must name",
        ),
    ],
)
def test_relative_targets_are_checked(target, message):
    config = presets.config("p1-p3")
    config["priorities"]["P1"]["targets"]["resolution"] = target
    with pytest.raises(ConfigError, match="resolution") as raised:
        ServicePolicy.from_config(config)
    assert message in str(raised.value)
    with pytest.raises(ConfigError) as in_an_entry:
        ServicePolicy.from_config(_with_slas({"name": "x", "when": GOLD, "targets": {"P1": {"resolution": target}}}))
    assert "slas[0].targets.P1.resolution" in str(in_an_entry.value)


def test_an_entrys_calendar_is_that_of_its_targets_that_name_none():
    policy = ServicePolicy.from_config(
        _with_slas(
            {
                "name": "nights",
                "when": GOLD,
                "calendar": "night",
                "targets": {
                    "*": {
                        "response": "1h",
                        "update": {"within": "2h", "calendar": "default"},
                        "acknowledge": {"within": "5m", "clock": "calendar"},
                    },
                    "P1": {"resolution": {"due": "end_of_business_day", "days": 0}},
                },
            }
        )
    )
    (entry,) = policy.sla.slas
    assert entry.target("P2", "response").clock_name == "night"
    assert entry.target("P2", "update").clock_name == "default"
    assert entry.target("P2", "acknowledge").clock_name == "24x7"
    assert (entry.target("P1", "resolution").clock_name, entry.target("P1", "resolution").days) == ("night", 0)
    assert entry.target("P2", "resolution") is None


def test_slas_need_the_whole_policy_file():
    config = _with_slas({"name": "x", "when": GOLD, "targets": {"*": {"response": "1h"}}})
    with pytest.raises(ConfigError, match=r"slakit\.ServicePolicy") as raised:
        Policy.from_config({name: value for name, value in config.items() if name not in SERVICE_SECTIONS})
    assert raised.value.path == "slas"


def test_a_policy_with_slas_round_trips_and_pickles():
    import pickle

    from slakit.sla import Ticket, evaluate

    policy = ServicePolicy.from_config(_with_slas({"name": "vip", "when": GOLD, "targets": {"*": {"response": "1h"}}}))
    again = pickle.loads(pickle.dumps(policy))  # noqa: S301 -- our own bytes
    ticket = Ticket("T", datetime(2025, 9, 22, 10, tzinfo=UTC), "P3", attributes={"tier": "gold"})
    as_of = datetime(2025, 9, 22, 12, tzinfo=UTC)
    assert evaluate(ticket, again, as_of=as_of) == evaluate(ticket, policy, as_of=as_of)
    assert evaluate(ticket, policy, as_of=as_of)["response"].sla == "vip"
    assert (
        ServicePolicy.from_config(
            yaml.safe_dump(policy.config.model_dump(mode="json", exclude_none=True), allow_unicode=True)
        ).sla.slas
        == policy.sla.slas
    )
