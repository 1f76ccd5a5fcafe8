import json

import pytest
from pydantic import BaseModel, ConfigDict

from slakit import ConfigError
from slakit._config import validate
from slakit.priority import PriorityMatrix, PriorityMatrixConfig

CONTRACT = {
    "impact": ["high", "medium", "low"],
    "urgency": ["high", "medium", "low"],
    "matrix": {
        "high": {"high": "P1", "medium": "P1", "low": "P2"},
        "medium": {"high": "P1", "medium": "P2", "low": "P3"},
        "low": {"high": "P2", "medium": "P3", "low": "P3"},
    },
}

YAML = """
impact: [high, medium, low]        # ordered labels, most severe first
urgency: [high, medium, low]
matrix:                            # impact -> urgency -> priority code
  high: {high: P1, medium: P1, low: P2}
  medium: {high: P1, medium: P2, low: P3}
  low: {high: P2, medium: P3, low: P3}
"""


def with_matrix(**changes):
    config = json.loads(json.dumps(CONTRACT))
    config.update(changes)
    return config


@pytest.fixture
def matrix():
    return PriorityMatrix.from_config(CONTRACT)


@pytest.mark.parametrize(
    ("impact", "urgency", "code"),
    [
        ("high", "high", "P1"),
        ("high", "medium", "P1"),
        ("high", "low", "P2"),
        ("medium", "high", "P1"),
        ("medium", "medium", "P2"),
        ("medium", "low", "P3"),
        ("low", "high", "P2"),
        ("low", "medium", "P3"),
        ("low", "low", "P3"),
    ],
)
def test_every_cell(matrix, impact, urgency, code):
    assert matrix.priority_for(impact, urgency) == code


def test_axes_and_codes(matrix):
    assert matrix.impact == ("high", "medium", "low")
    assert matrix.urgency == ("high", "medium", "low")
    assert matrix.codes == ("P1", "P2", "P3")


def test_sources_agree(matrix, tmp_path):
    yaml_file = tmp_path / "matrix.yaml"
    yaml_file.write_text(YAML, encoding="utf-8")
    toml_file = tmp_path / "matrix.toml"
    toml_file.write_text(
        'impact = ["high", "low"]\nurgency = ["now"]\n[matrix]\nhigh = {now = "P1"}\nlow = {now = "P2"}\n',
        encoding="utf-8",
    )
    assert PriorityMatrix.from_config(YAML) == matrix
    assert PriorityMatrix.from_config(json.dumps(CONTRACT)) == matrix
    assert PriorityMatrix.from_config(yaml_file) == matrix
    assert PriorityMatrix.load(str(yaml_file)) == matrix
    assert PriorityMatrix.from_config(PriorityMatrixConfig.model_validate(CONTRACT)) == matrix
    assert PriorityMatrix.load(toml_file).priority_for("low", "now") == "P2"


def test_labels_need_not_be_square_or_english():
    matrix = PriorityMatrix.from_config(
        {
            "impact": ["全部客户", "单个客户"],
            "urgency": ["紧急", "一般", "不急"],
            "matrix": {
                "全部客户": {"紧急": "P1", "一般": "P1", "不急": "P2"},
                "单个客户": {"紧急": "P2", "一般": "P3", "不急": "P3"},
            },
        }
    )
    assert matrix.priority_for("单个客户", "紧急") == "P2"


def test_unknown_impact_names_value_and_accepted(matrix):
    with pytest.raises(ConfigError) as caught:
        matrix.priority_for("huge", "high")
    assert str(caught.value) == "'impact' must be one of high, medium, low (got 'huge')"
    assert isinstance(caught.value, ValueError)
    assert caught.value.path == "impact"


def test_unknown_urgency_names_value_and_accepted(matrix):
    with pytest.raises(ConfigError, match=r"^'urgency' must be one of high, medium, low \(got 'now'\)$"):
        matrix.priority_for("high", "now")


@pytest.mark.parametrize(("impact", "urgency"), [("High", "high"), ("high ", "high"), (["high"], "high")])
def test_labels_match_exactly(matrix, impact, urgency):
    with pytest.raises(ConfigError, match="'impact' must be one of"):
        matrix.priority_for(impact, urgency)


def test_unhashable_urgency(matrix):
    with pytest.raises(ConfigError, match="'urgency' must be one of"):
        matrix.priority_for("high", ["low"])


def bad(config, *fragments):
    with pytest.raises(ConfigError) as caught:
        PriorityMatrix.from_config(config)
    message = str(caught.value)
    assert message.startswith("invalid priority matrix: ")
    for fragment in fragments:
        assert fragment in message
    return caught.value


def test_missing_cell():
    config = with_matrix()
    del config["matrix"]["medium"]["low"]
    error = bad(
        config,
        "'matrix.medium' must have a priority for every urgency, one of high, medium, low (missing 'low')",
    )
    assert error.path == "matrix"


def test_missing_row():
    config = with_matrix()
    del config["matrix"]["low"]
    bad(config, "'matrix' must have a row for every impact, one of high, medium, low (missing 'low')")


def test_unknown_row():
    config = with_matrix()
    config["matrix"]["huge"] = config["matrix"]["high"]
    bad(config, "'matrix' rows must be impact labels, one of high, medium, low (got 'huge')")


def test_unknown_cell():
    config = with_matrix()
    config["matrix"]["high"]["critical"] = "P1"
    bad(config, "'matrix.high' keys must be urgency labels, one of high, medium, low (got 'critical')")


@pytest.mark.parametrize("code", ["", "  ", " P1"])
def test_blank_code(code):
    config = with_matrix()
    config["matrix"]["low"]["low"] = code
    bad(config, f"'matrix.low.low' must be a priority code such as 'P1' (got {code!r})")


def test_code_must_be_text():
    config = with_matrix()
    config["matrix"]["low"]["low"] = 3
    bad(config, "matrix.low.low", "valid string", "3")


def test_row_must_be_a_mapping():
    config = with_matrix()
    config["matrix"]["low"] = ["P2", "P3", "P3"]
    bad(config, "matrix.low", "dictionary")


@pytest.mark.parametrize("axis", ["impact", "urgency"])
def test_empty_axis(axis):
    bad(with_matrix(**{axis: []}), f"{axis!r} must list at least one label, most severe first (got [])")


@pytest.mark.parametrize("axis", ["impact", "urgency"])
def test_repeated_label(axis):
    bad(with_matrix(**{axis: ["high", "medium", "high"]}), f"'{axis}[2]' must be a label not listed before")


@pytest.mark.parametrize("label", ["", " ", "low "])
def test_blank_label(label):
    bad(
        with_matrix(urgency=["high", label]),
        f"'urgency[1]' must be a non-empty label without surrounding spaces (got {label!r})",
    )


def test_unknown_key():
    bad(with_matrix(severity=["a"]), "severity", "Extra inputs are not permitted")


def test_missing_key():
    config = with_matrix()
    del config["matrix"]
    bad(config, "matrix", "Field required")


def test_not_a_mapping():
    with pytest.raises(ConfigError, match="must hold a mapping"):
        PriorityMatrix.from_config("[1, 2]")


def test_validate_codes(matrix):
    matrix.validate_codes(["P1", "P2", "P3", "P4"])
    matrix.validate_codes({"P3": ..., "P2": ..., "P1": ...})
    with pytest.raises(ConfigError) as caught:
        matrix.validate_codes(["P1", "P3"])
    assert str(caught.value) == "'matrix.high.low' must be one of P1, P3 (got 'P2')"
    assert caught.value.path == "matrix.high.low"


def test_values_are_frozen(matrix):
    with pytest.raises(ValueError, match="frozen"):
        matrix.config.impact = ("x",)
    with pytest.raises(AttributeError):
        matrix.config = None


def test_embeds_in_a_policy_model():
    class Policy(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)
        priority_matrix: PriorityMatrixConfig

    policy = validate(Policy, {"priority_matrix": CONTRACT}, what="policy")
    assert PriorityMatrix.from_config(policy.priority_matrix).priority_for("low", "low") == "P3"
    config = with_matrix()
    del config["matrix"]["low"]["high"]
    with pytest.raises(ConfigError) as caught:
        validate(Policy, {"priority_matrix": config}, what="policy")
    assert caught.value.path == "priority_matrix.matrix"
    assert "'matrix.low' must have a priority for every urgency" in str(caught.value)
