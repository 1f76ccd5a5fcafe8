import json
from decimal import Decimal

import pytest

from slakit import ConfigError
from slakit.priority import Classification, ClassificationConfig, Classifier, normalize_text

TYPES = {
    "技术支持类": {"code": "technical", "subtypes": ["功能咨询", "操作指导", "软件故障排查"]},
    "售后服务类": {"code": "after_sales", "subtypes": ["硬件维修", "退换货", "安装调试"]},
    "投诉建议类": {"code": "complaint", "subtypes": ["服务投诉", "产品建议"]},
}
RULES = [
    {"category": "技术支持类/软件故障排查", "keywords": ["卡顿", "报错", "闪退", "crash*", "error"], "weight": 1},
    {"category": "技术支持类/操作指导", "keywords": ["怎么", "如何", "how to"], "weight": "0.5"},
    {"category": "售后服务类/硬件维修", "keywords": ["设备无法启动", "无法启动", "维修", "repair*", "blue screen"]},
    {"category": "售后服务类/退换货", "keywords": ["退换货", "换货", "退货", "refund"]},
    {"category": "售后服务类/安装调试", "keywords": ["安装"]},
    {"category": "投诉建议类", "keywords": ["不满", "unhappy"]},
    {"category": "投诉建议类/服务投诉", "keywords": ["投诉", "态度", "complain*"], "weight": 2},
    {"category": "投诉建议类/产品建议", "keywords": ["建议", "suggest*"]},
]
CONFIG = {"types": TYPES, "rules": RULES}


@pytest.fixture(scope="module")
def classifier():
    return Classifier.from_config(CONFIG)


def category(classifier, text):
    result = classifier.classify(text)
    return None if result is None else result.category


def test_contract_example(classifier):
    result = classifier.classify("软件卡顿，打开就报错")
    assert result == Classification(
        category="技术支持类/软件故障排查",
        type="技术支持类",
        subtype="软件故障排查",
        code="technical",
        keywords=("卡顿", "报错"),
        score=Decimal(2),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("设备无法启动", "售后服务类/硬件维修"),
        ("我们的设备无法启动了，请尽快派人", "售后服务类/硬件维修"),
        ("申请退货", "售后服务类/退换货"),
        ("客服态度太差，我要投诉！", "投诉建议类/服务投诉"),
        ("建议增加导出功能", "投诉建议类/产品建议"),
        ("请问怎么导出报表", "技术支持类/操作指导"),
        ("对处理结果不满", "投诉建议类"),
        ("App crashes on startup", "技术支持类/软件故障排查"),
        ("Blue screen after the update", "售后服务类/硬件维修"),
        ("Need a refund please", "售后服务类/退换货"),
        ("How to export a report?", "技术支持类/操作指导"),
        ("I want to complain about the engineer", "投诉建议类/服务投诉"),
        ("Unhappy with the result", "投诉建议类"),
    ],
)
def test_subjects(classifier, text, expected):
    assert category(classifier, text) == expected


def test_chinese_matches_substrings_anywhere(classifier):
    result = classifier.classify("昨天开始系统很卡顿而且一直报错误信息")
    assert result.keywords == ("卡顿", "报错")
    assert category(classifier, "打印机维修进度") == "售后服务类/硬件维修"


def test_overlapping_keywords_all_count(classifier):
    result = classifier.classify("我要退换货")
    assert result.keywords == ("退换货", "换货")
    assert result.score == 2
    result = classifier.classify("设备无法启动")
    assert result.keywords == ("设备无法启动", "无法启动")


def test_keywords_in_order_of_first_appearance(classifier):
    assert classifier.classify("报错后闪退，然后卡顿，又报错").keywords == ("报错", "闪退", "卡顿")
    assert classifier.classify("ERROR: app crashed").keywords == ("error", "crash*")


def test_score_counts_each_distinct_keyword_once(classifier):
    assert classifier.classify("报错报错报错").score == 1
    assert classifier.classify("报错 Error error").score == 2
    assert classifier.classify("投诉态度").score == 4
    assert classifier.classify("怎么").score == Decimal("0.5")


@pytest.mark.parametrize(
    "text", ["error", "Error!", "login error", "ERROR: code 5", "(error)", "打开就error了", "error_"[:5], "e-error"]
)
def test_english_matches_whole_words(classifier, text):
    assert classifier.classify(text).keywords == ("error",)


@pytest.mark.parametrize("text", ["terrorism", "errors", "error_log", "error2", "suberror", "erroré", "éerror"])
def test_english_does_not_match_inside_words(classifier, text):
    assert classifier.classify(text) is None


def test_trailing_star_matches_longer_words(classifier):
    for text in ["crash", "crashes", "Crashed", "CRASHING"]:
        assert classifier.classify(text).keywords == ("crash*",)
    assert classifier.classify("recrash") is None
    assert classifier.classify("repairs needed").category == "售后服务类/硬件维修"


def test_case_and_width_are_ignored(classifier):
    assert classifier.classify("ＥＲＲＯＲ").keywords == ("error",)
    assert classifier.classify("Ｃｒａｓｈ").keywords == ("crash*",)
    assert normalize_text("ＨＯＷ　ＴＯ") == "how to"
    assert normalize_text("Won’t") == "won't"


def test_phrases_match_any_whitespace(classifier):
    for text in ["blue screen", "Blue   Screen", "blue\tscreen", "blue\nscreen", "blue\u3000screen"]:
        assert classifier.classify(text).keywords == ("blue screen",)
    assert classifier.classify("bluescreen") is None
    assert classifier.classify("blue screens") is None


def test_mixed_script_keyword_edges():
    rules = [{"category": "a", "keywords": ["错误code"]}, {"category": "b", "keywords": "404"}]
    classifier = Classifier.from_config({"types": {"a": {}, "b": {}}, "rules": rules})
    assert category(classifier, "出现错误code 7") == "a"
    assert category(classifier, "出现错误codes") is None
    assert category(classifier, "页面404了") == "b"
    assert category(classifier, "error 404") == "b"
    assert category(classifier, "4040") is None
    assert category(classifier, "1404") is None


def test_other_unspaced_scripts_match_substrings():
    classifier = Classifier.from_config(
        {"types": {"fault": {}}, "rules": [{"category": "fault", "keywords": ["오류", "エラー", "ผิดพลาด"]}]}
    )
    assert classifier.classify("로그인 오류가 발생").keywords == ("오류",)
    assert classifier.classify("ログインエラーです").keywords == ("エラー",)
    assert classifier.classify("เกิดข้อผิดพลาดครับ").keywords == ("ผิดพลาด",)


def test_none_when_nothing_matches(classifier):
    assert classifier.classify("") is None
    assert classifier.classify("您好，麻烦看一下订单") is None
    assert classifier.candidates("您好") == ()


def test_type_without_settings():
    text = "types:\n  其他类:\n  a: {subtypes: [b]}\nrules:\n  - {category: a/b, keywords: x}\n"
    classifier = Classifier.from_config(text)
    assert classifier.taxonomy.types["其他类"].code == "其他类"
    assert classifier.classify("x").category == "a/b"


def test_no_rules_classifies_nothing():
    classifier = Classifier.from_config({"types": TYPES})
    assert classifier.classify("报错") is None
    assert Classifier.from_config({"types": TYPES, "rules": None}).candidates("报错") == ()


def test_higher_score_wins_over_specificity(classifier):
    # the type 投诉建议类 scores 2 (不满, unhappy), the subtype 产品建议 scores 1 (建议)
    result = classifier.classify("不满 unhappy 建议")
    assert (result.category, result.score) == ("投诉建议类", 2)


def test_tie_goes_to_the_subtype(classifier):
    result = classifier.classify("不满，建议改进")  # 投诉建议类 1, 投诉建议类/产品建议 1
    assert result.category == "投诉建议类/产品建议"


def test_tie_between_subtypes_goes_to_the_earlier_rule(classifier):
    # 软件故障排查 (rule 0) and 退换货 (rule 3) both score 1 whatever the order in the text
    assert category(classifier, "报错，退货") == "技术支持类/软件故障排查"
    assert category(classifier, "退货，报错") == "技术支持类/软件故障排查"


def test_tie_order_follows_the_first_rule_of_a_category():
    config = {
        "types": {"t": {"subtypes": ["a", "b"]}},
        "rules": [
            {"category": "t/b", "keywords": ["x"]},
            {"category": "t/a", "keywords": ["y"]},
            {"category": "t/b", "keywords": ["z"], "weight": 0.5},
        ],
    }
    classifier = Classifier.from_config(config)
    assert category(classifier, "y x") == "t/b"
    assert classifier.classify("y x z").score == Decimal("1.5")


def test_candidates_are_ranked(classifier):
    ranked = classifier.candidates("不满，建议改进，卡顿报错，投诉")
    # 软件故障排查 and 服务投诉 tie at 2: the earlier rule first; 产品建议 and its type tie at 1
    assert [c.category for c in ranked] == [
        "技术支持类/软件故障排查",
        "投诉建议类/服务投诉",
        "投诉建议类/产品建议",
        "投诉建议类",
    ]
    assert [c.score for c in ranked] == [2, 2, 1, 1]
    assert ranked[0] == classifier.classify("不满，建议改进，卡顿报错，投诉")


def test_same_keyword_in_two_categories():
    classifier = Classifier.from_config(
        {
            "types": {"a": {}, "b": {}},
            "rules": [{"category": "a", "keywords": ["报错"]}, {"category": "b", "keywords": ["报错"], "weight": 3}],
        }
    )
    assert [(c.category, c.score) for c in classifier.candidates("报错")] == [("b", 3), ("a", 1)]


def test_plain_and_starred_keyword_of_the_same_literal_in_different_categories():
    classifier = Classifier.from_config(
        {
            "types": {"a": {}, "b": {}},
            "rules": [{"category": "a", "keywords": ["crash"]}, {"category": "b", "keywords": ["crash*"]}],
        }
    )
    assert category(classifier, "crash") == "a"
    assert category(classifier, "crashes") == "b"


def test_prefix_keywords_with_spaces():
    classifier = Classifier.from_config(
        {
            "types": {"a": {}},
            "rules": [{"category": "a", "keywords": ["blue screen", "blue screen of death", "blue"]}],
        }
    )
    result = classifier.classify("Blue  Screen   of death")
    assert result.keywords == ("blue screen of death", "blue screen", "blue")
    assert classifier.classify("blue  screens").keywords == ("blue",)


def test_weights(classifier):
    rules = [{"category": "a", "keywords": ["x"], "weight": 0.1}]
    assert Classifier.from_config({"types": {"a": {}}, "rules": rules}).classify("x").score == Decimal("0.1")
    assert Classifier.from_config(CONFIG).config.rules[1].weight == Decimal("0.5")


def test_sources_agree(tmp_path):
    reference = Classifier.from_config(CONFIG)
    file = tmp_path / "classification.json"
    file.write_text(json.dumps(CONFIG, ensure_ascii=False), encoding="utf-8")
    assert Classifier.load(file) == reference
    assert Classifier.load(str(file)) == reference
    assert Classifier.from_config(json.dumps(CONFIG)) == reference
    assert Classifier.from_config(ClassificationConfig.model_validate(CONFIG)) == reference
    yaml_text = "types: {a: {code: x}}\nrules:\n  - {category: a, keywords: 报错}\n"
    assert Classifier.from_config(yaml_text).classify("报错").code == "x"


def test_taxonomy_is_available(classifier):
    assert classifier.taxonomy.category("售后服务类/退换货").code == "after_sales"


def test_values_are_frozen(classifier):
    result = classifier.classify("报错")
    with pytest.raises(AttributeError):
        result.score = Decimal(9)
    with pytest.raises(ValueError, match="frozen"):
        classifier.config.rules = ()


def bad(rules, *fragments):
    with pytest.raises(ConfigError) as caught:
        Classifier.from_config({"types": TYPES, "rules": rules})
    message = str(caught.value)
    assert message.startswith("invalid classification: ")
    for fragment in fragments:
        assert fragment in message
    return caught.value


def test_unknown_category_names_rule_and_category():
    error = bad(
        [RULES[0], {"category": "技术支持类/硬件维修", "keywords": ["坏了"]}],
        "'rules[1].category' must be one of 技术支持类, 技术支持类/功能咨询, ",
        "(got '技术支持类/硬件维修')",
    )
    assert error.path == "rules"


def test_repeated_keyword_in_a_category():
    bad(
        [
            {"category": "投诉建议类", "keywords": ["unhappy"]},
            {"category": "投诉建议类", "keywords": ["x", "UNHAPPY*"]},
        ],
        "'rules[1].keywords[1]' must not repeat a keyword of category '投诉建议类' "
        "(got 'UNHAPPY*', already at rules[0].keywords[0])",
    )
    bad([{"category": "投诉建议类", "keywords": ["ＡＢ", "ab"]}], "'rules[0].keywords[1]' must not repeat")


@pytest.mark.parametrize("keyword", ["", "  ", "*", " * "])
def test_blank_keyword(keyword):
    bad([{"category": "投诉建议类", "keywords": ["a", keyword]}], "'keywords[1]' must be a non-empty keyword")


def test_no_keywords():
    bad([{"category": "投诉建议类", "keywords": []}], "'keywords' must list at least one keyword")


@pytest.mark.parametrize("weight", [0, -1, "NaN", "Infinity"])
def test_weight_above_zero(weight):
    bad([{"category": "投诉建议类", "keywords": ["a"], "weight": weight}], "rules[0].weight")


def test_unknown_rule_key():
    bad([{"category": "投诉建议类", "keywords": ["a"], "score": 1}], "rules[0].score", "Extra inputs")


def test_keywords_are_stripped_and_numbers_are_text():
    classifier = Classifier.from_config({"types": {"a": {}}, "rules": [{"category": "a", "keywords": [" 报错 ", 500]}]})
    assert classifier.config.rules[0].keywords == ("报错", "500")
    assert classifier.classify("报错 500").keywords == ("报错", "500")


def test_keywords_are_at_most_100_characters():
    """Found by tests/test_config.py: a 5,000-character keyword raised RecursionError (the matcher is a trie)."""
    longest = "a" * 99 + "b"
    classifier = Classifier.from_config({"types": TYPES, "rules": [{"category": "投诉建议类", "keywords": [longest]}]})
    assert classifier.classify(f"x {longest} y").category == "投诉建议类"
    for keyword in (longest + "c", "x" * 5_000, "ｘ" * 101):
        with pytest.raises(ConfigError, match=r"keywords\[0\]' must be a non-empty keyword or phrase of at most 100"):
            Classifier.from_config({"types": TYPES, "rules": [{"category": "投诉建议类", "keywords": [keyword]}]})
