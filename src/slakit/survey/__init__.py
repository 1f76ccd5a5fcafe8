"""Satisfaction survey scoring: weighted schemes, follow-up flags, CSAT/NPS/CES and report summaries.

::

    from slakit.survey import SurveyScheme, csat, nps
    scheme = SurveyScheme.from_config({"scale": [1, 5], "dimensions": [...], "follow_up_below": 4})
    score = scheme.score({"efficiency": 5, "ability": 4, "attitude": 2})
    score.overall, score.needs_follow_up      # Decimal('3.67'), True

See docs/survey.md for the concepts and the decisions behind them.
"""

from slakit.survey.metrics import ces, csat, nps
from slakit.survey.scheme import Dimension, DimensionConfig, SurveyScheme, SurveySchemeConfig
from slakit.survey.score import SurveyScore
from slakit.survey.summary import GroupKey, SurveySummary, month_of, quarter_of, summarize

__all__ = [
    "Dimension",
    "DimensionConfig",
    "GroupKey",
    "SurveyScheme",
    "SurveySchemeConfig",
    "SurveyScore",
    "SurveySummary",
    "ces",
    "csat",
    "month_of",
    "nps",
    "quarter_of",
    "summarize",
]
