"""A new ticket's category and priority, from its text: slakit's classifier and priority matrix.

The classifier (the policy's keyword rules, Chinese and English) gives the category, and with it
the ticket-number prefix. The priority comes from the policy's impact x urgency matrix. The
intake form may set impact and urgency; when it does not, a few words in the text decide them
(below), and otherwise both are "medium", the matrix's middle (P2 in the p1-p3 preset). These word
lists are the example's, not slakit's: a real service would take them from its own intake form.
"""

from __future__ import annotations

from dataclasses import dataclass

from slakit import ServicePolicy

# Words that say the customer needs it now, or that much of their business is down.
URGENT_WORDS = ("紧急", "马上", "立刻", "尽快", "急", "urgent", "asap", "immediately", "right now")
WIDE_IMPACT_WORDS = ("停产", "生产线", "全部", "所有用户", "宕机", "瘫痪", "production down", "all users", "outage")
MINOR_WORDS = ("请问", "咨询", "建议", "question", "suggest", "when you have time", "不急")

# The type a ticket no rule matches is filed under, so that it still gets a number.
FALLBACK_TYPE = "技术支持类"
PREFIXES = {"技术支持类": "TS", "售后服务类": "SS", "投诉建议类": "CP"}


@dataclass(frozen=True, slots=True)
class Triage:
    category: str | None  # "售后服务类/硬件维修", or None when no keyword matched
    type: str  # the category's type, FALLBACK_TYPE when none matched: chooses the number prefix
    impact: str
    urgency: str
    priority: str
    keywords: tuple[str, ...]  # the classifier's matched keywords, for the agent to see why


def _has(text: str, words: tuple[str, ...]) -> bool:
    folded = text.casefold()
    return any(word.casefold() in folded for word in words)


def triage(policy: ServicePolicy, text: str, *, impact: str | None = None, urgency: str | None = None) -> Triage:
    """Classify ``text`` and prioritise it; an unknown impact or urgency raises slakit's ConfigError."""
    if policy.classifier is None or policy.matrix is None:
        raise ValueError("the policy needs `classification` and `priority_matrix` sections")
    found = policy.classifier.classify(text)
    if impact is None:
        impact = "high" if _has(text, WIDE_IMPACT_WORDS) else "low" if _has(text, MINOR_WORDS) else "medium"
    if urgency is None:
        urgency = "high" if _has(text, URGENT_WORDS) else "low" if _has(text, MINOR_WORDS) else "medium"
    return Triage(
        category=found.category if found else None,
        type=found.type if found else FALLBACK_TYPE,
        impact=impact,
        urgency=urgency,
        priority=policy.matrix.priority_for(impact, urgency),
        keywords=found.keywords if found else (),
    )
