from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from slakit.errors import ConfigError
from slakit.numbering import DEFAULT_PREFIXES, MemorySequenceStore, PrefixMap

AT = datetime(2024, 5, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_default_map():
    assert DEFAULT_PREFIXES.prefix_for("技术支持类") == "TS"
    assert DEFAULT_PREFIXES.prefix_for("售后服务类") == "SS"
    assert dict(DEFAULT_PREFIXES) == {
        "技术支持类": "TS",
        "售后服务类": "SS",
        "投诉建议类": "CS",
        "咨询类": "IQ",
        "投诉类": "CP",
        "故障类": "FT",
        "建议类": "SG",
        "其他类": "OT",
    }
    assert DEFAULT_PREFIXES.fallback == "OT"


@pytest.mark.parametrize(
    "source",
    [
        {"prefixes": {"技术支持类": "TS", "售后服务类": "SS", "投诉类": "CP"}},
        '{"prefixes": {"技术支持类": "TS", "售后服务类": "SS", "投诉类": "CP"}}',
        "prefixes:\n  技术支持类: TS\n  售后服务类: SS\n  投诉类: CP\n",
        '[prefixes]\n"技术支持类" = "TS"\n"售后服务类" = "SS"\n"投诉类" = "CP"\n',
    ],
)
def test_from_config_reads_mappings_json_yaml_and_toml(source):
    prefixes = PrefixMap.from_config(source)
    assert prefixes.prefix_for("投诉类") == "CP"
    assert prefixes.prefix_for("技术支持类") == "TS"


def test_from_config_reads_files(tmp_path):
    path = tmp_path / "numbering.yaml"
    path.write_text("prefixes:\n  技术支持类: JS\n", encoding="utf-8")
    assert PrefixMap.from_config(path).prefix_for("技术支持类") == "JS"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"prefixes": {"技术支持类": "T S"}}, r"'prefixes\.技术支持类' must be 1 to 32 printable characters"),
        ({"prefixes": {"技术支持类": ""}}, r"got ''"),
        ({"prefixes": {}}, "at least one classification"),
        ({"prefixes": {" ": "TS"}}, "'classification' must be a non-empty string"),
        ({"prefix": {"技术支持类": "TS"}}, "prefix"),
        ({}, "prefixes"),
        ({"prefixes": ["TS"]}, "prefixes"),
    ],
)
def test_bad_config_is_a_config_error(source, message):
    with pytest.raises(ConfigError, match=message):
        PrefixMap.from_config(source)


def test_unknown_classification_lists_the_known_ones():
    with pytest.raises(
        ConfigError, match=r"'classification' must be one of '技术支持类', '售后服务类' \(got '咨询类'\)"
    ):
        PrefixMap({"技术支持类": "TS", "售后服务类": "SS"}).prefix_for("咨询类")


def test_the_map_is_immutable_and_copied():
    source = {"技术支持类": "TS"}
    prefixes = PrefixMap(source)
    source["技术支持类"] = "XX"
    assert prefixes["技术支持类"] == "TS"
    with pytest.raises(TypeError):
        prefixes.prefixes["售后服务类"] = "SS"  # type: ignore[index]
    with pytest.raises(AttributeError):
        prefixes.prefixes = {}  # type: ignore[misc]
    assert hash(prefixes) == hash(PrefixMap({"技术支持类": "TS"}))
    assert prefixes == PrefixMap({"技术支持类": "TS"})


def test_numberers_share_one_store_and_count_per_prefix():
    store = MemorySequenceStore()
    numberers = DEFAULT_PREFIXES.numberers(store=store, check="luhn")
    ts = numberers["技术支持类"].next(at=AT)
    ss = numberers["售后服务类"].next(at=AT)
    assert ts.startswith("TS20240501001")
    assert ss.startswith("SS20240501001")
    assert numberers["技术支持类"].store is store is numberers["售后服务类"].store


def test_numberers_without_a_store_share_a_new_memory_store():
    numberers = DEFAULT_PREFIXES.numberers()
    assert numberers["技术支持类"].store is numberers["售后服务类"].store
    assert isinstance(numberers["技术支持类"].store, MemorySequenceStore)


# Every preset type has a prefix; unclassified tickets fall back (docs/numbering.md)


def test_default_prefixes_cover_every_shipped_type():
    from slakit import presets

    for name in presets.names():
        for ticket_type in presets.load(name).classifier.taxonomy.types:
            assert DEFAULT_PREFIXES.prefix_for(ticket_type)
    assert DEFAULT_PREFIXES.prefix_for("投诉建议类") == "CS"
    assert DEFAULT_PREFIXES.prefix_for(None) == "OT"


def test_the_docs_recipe_numbers_every_type_and_unclassified_tickets():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    created = datetime(2024, 5, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    numberers = DEFAULT_PREFIXES.numberers()
    issued = [
        str(numberers[classification].next(at=created))
        for classification in ("技术支持类", "售后服务类", "投诉建议类", None, "其他类", "技术支持类")
    ]
    # 其他类 and unclassified tickets share the fallback's numberer, so their numbers never collide
    assert issued == [
        "TS20240501001",
        "SS20240501001",
        "CS20240501001",
        "OT20240501001",
        "OT20240501002",
        "TS20240501002",
    ]


def test_an_unknown_classification_never_falls_back():
    numberers = DEFAULT_PREFIXES.numberers()
    with pytest.raises(ConfigError, match=r"'classification' must be one of .*or None, for the fallback"):
        numberers["技术类"]
    with pytest.raises(ConfigError):
        DEFAULT_PREFIXES.prefix_for("技术类")


def test_without_a_fallback_an_unclassified_ticket_is_refused():
    prefixes = PrefixMap({"技术支持类": "TS"})
    with pytest.raises(ConfigError, match=r"'classification' must be one of '技术支持类' \(got None\)"):
        prefixes.numberers()[None]


def test_the_fallback_from_configuration():
    prefixes = PrefixMap.from_config({"prefixes": {"技术支持类": "TS"}, "fallback": "GD"})
    assert prefixes.prefix_for(None) == "GD"
    assert prefixes.numberers()[None].prefix == "GD"
    with pytest.raises(ConfigError):
        PrefixMap({"技术支持类": "TS"}, fallback="bad prefix!")


@pytest.mark.parametrize("name", ["p1-p3", "four-level", "severity"])
def test_the_presets_doc_recipe_numbers_classified_and_unclassified_subjects(name):
    """docs/presets.md: numberers[found.type if found else None].next(at=created)."""
    from slakit import presets

    policy = presets.load(name)
    numberers = DEFAULT_PREFIXES.numberers()
    issued = []
    for subject in ("设备无法启动", "您好"):
        found = policy.classifier.classify(subject)
        issued.append(str(numberers[found.type if found else None].next(at=AT)))
    expected = {"p1-p3": "SS", "severity": "SS", "four-level": "FT"}[name]
    assert issued == [f"{expected}20240501001", "OT20240501001"]
