import pytest

from slakit import ConfigError
from slakit.priority import Category, ClassificationConfig, Taxonomy, TicketType

SCHEME_A = {
    "types": {
        "技术支持类": {"code": "technical", "subtypes": ["功能咨询", "操作指导", "软件故障排查"]},
        "售后服务类": {"code": "after_sales", "subtypes": ["硬件维修", "退换货", "安装调试"]},
        "投诉建议类": {"code": "complaint", "subtypes": ["服务投诉", "产品建议"]},
    }
}


@pytest.fixture
def taxonomy():
    return Taxonomy.from_config(SCHEME_A)


def test_types_in_order(taxonomy):
    assert list(taxonomy.types) == ["技术支持类", "售后服务类", "投诉建议类"]
    assert taxonomy.types["售后服务类"] == TicketType(
        name="售后服务类", code="after_sales", subtypes=("硬件维修", "退换货", "安装调试")
    )


def test_paths_list_each_type_then_its_subtypes(taxonomy):
    assert taxonomy.paths[:4] == ("技术支持类", "技术支持类/功能咨询", "技术支持类/操作指导", "技术支持类/软件故障排查")
    assert len(taxonomy) == 3 + 8
    assert [category.path for category in taxonomy] == list(taxonomy.paths)


def test_category_lookup(taxonomy):
    fault = taxonomy.category("技术支持类/软件故障排查")
    assert fault == Category(type="技术支持类", subtype="软件故障排查", code="technical")
    assert fault.path == str(fault) == "技术支持类/软件故障排查"
    assert fault.is_subtype
    complaint = taxonomy.category("投诉建议类")
    assert complaint.subtype is None
    assert not complaint.is_subtype
    assert complaint.path == "投诉建议类"


def test_contains(taxonomy):
    assert "售后服务类/退换货" in taxonomy
    assert "售后服务类" in taxonomy
    assert "售后服务类/服务投诉" not in taxonomy
    assert "退换货" not in taxonomy
    assert ["售后服务类"] not in taxonomy


def test_unknown_category_lists_accepted(taxonomy):
    with pytest.raises(ConfigError) as caught:
        taxonomy.category("售后服务类/服务投诉")
    message = str(caught.value)
    assert message.startswith("'category' must be one of 技术支持类, 技术支持类/功能咨询, ")
    assert message.endswith("投诉建议类/产品建议 (got '售后服务类/服务投诉')")


def test_code_defaults_to_the_name_and_settings_may_be_left_out():
    taxonomy = Taxonomy.from_config("types:\n  其他类:\n  咨询类: {subtypes: [政策咨询]}\n")
    assert taxonomy.types["其他类"] == TicketType(name="其他类", code="其他类", subtypes=())
    assert taxonomy.category("咨询类/政策咨询").code == "咨询类"


def test_same_subtype_under_two_types():
    taxonomy = Taxonomy.from_config({"types": {"a": {"subtypes": ["其他"]}, "b": {"subtypes": ["其他"]}}})
    assert taxonomy.category("b/其他").type == "b"


def test_from_classification_config_and_path(taxonomy, tmp_path):
    config = ClassificationConfig.model_validate(SCHEME_A)
    assert Taxonomy(config).paths == taxonomy.paths
    assert Taxonomy.from_config(config) == Taxonomy.from_config(config)
    file = tmp_path / "types.json"
    file.write_text('{"types": {"x": {"code": "ex"}}}', encoding="utf-8")
    assert Taxonomy.load(file).types["x"].code == "ex"
    assert Taxonomy.load(str(file)).paths == ("x",)


def bad(types, *fragments):
    with pytest.raises(ConfigError) as caught:
        Taxonomy.from_config({"types": types})
    message = str(caught.value)
    assert message.startswith("invalid taxonomy: ")
    for fragment in fragments:
        assert fragment in message


def test_no_types():
    bad({}, "'types' must name at least one ticket type (got {})")


@pytest.mark.parametrize("name", ["", " 咨询类", "咨询/投诉"])
def test_bad_type_name(name):
    bad({name: {}}, f"'types' must be a non-empty type name without surrounding spaces or '/' (got {name!r})")


def test_repeated_code():
    bad(
        {"咨询类": {"code": "inquiry"}, "问询类": {"code": "inquiry"}},
        "'types.问询类.code' must be unique (got 'inquiry', already the code of '咨询类')",
    )


def test_code_equal_to_another_defaulted_code():
    bad({"a": {}, "b": {"code": "a"}}, "'types.b.code' must be unique")


def test_bad_code():
    bad({"a": {"code": "x/y"}}, "'types.a.code' must be a non-empty code such as 'technical'")


def test_repeated_subtype():
    bad(
        {"a": {"subtypes": ["x", "y", "x"]}},
        "'types.a.subtypes[2]' must be a subtype not listed before (got 'x' twice)",
    )


@pytest.mark.parametrize("subtype", ["", "a/b", "x "])
def test_bad_subtype(subtype):
    bad({"a": {"subtypes": [subtype]}}, "'types.a.subtypes[0]' must be a non-empty subtype name")


def test_unknown_keys_refused():
    bad({"a": {"label": "A"}}, "types.a.label", "Extra inputs are not permitted")
    with pytest.raises(ConfigError, match="rules: Extra inputs are not permitted"):
        Taxonomy.from_config({"types": {"a": {}}, "rules": []})


def test_values_are_frozen(taxonomy):
    with pytest.raises(AttributeError):
        taxonomy.category("投诉建议类").type = "x"
    with pytest.raises(TypeError):
        taxonomy.types["x"] = None


def test_a_type_may_name_its_dispatch_route():
    taxonomy = Taxonomy.from_config(
        {
            "types": {
                "技术支持类": {"code": "technical", "subtypes": ["软件故障排查"], "route": "技术支持工程师"},
                "其他类": None,
            }
        }
    )
    assert taxonomy.types["技术支持类"].route == "技术支持工程师"
    assert taxonomy.category("技术支持类/软件故障排查").route == "技术支持工程师"
    assert taxonomy.types["其他类"].route is None


@pytest.mark.parametrize("route", ["", " 主管", "主管/经理"])
def test_a_route_is_a_plain_name(route):
    with pytest.raises(
        ConfigError, match=r"'types\.技术支持类\.route' must be a non-empty role such as 'support_engineer'"
    ):
        Taxonomy.from_config({"types": {"技术支持类": {"route": route}}})
