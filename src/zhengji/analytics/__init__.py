"""Analytics: records → indicator tables as Ibis expressions, on the engine the size needs.

A city runs them on DuckDB over its SQLite file (embedded, no network), a province on its
PostgreSQL server, the country on Spark over Parquet exports — the same expressions
(:mod:`zhengji.analytics.derive`); only :func:`connect` differs. See docs/analytics.md.
"""

from zhengji.analytics.backends import (
    BACKENDS,
    Analytics,
    connect,
    spark_session,
    sqlite_scanner_path,
)
from zhengji.analytics.derive import (
    METRIC_COUNTS,
    current_observations,
    digit_counts,
    eco_holder_points,
    eco_participation,
    eco_points_by_dimension,
    monthly_request_metrics,
    panel_wide,
    request_facts,
    survey_item_means,
    survey_participation,
    survey_scores,
)

__all__ = [
    "BACKENDS",
    "METRIC_COUNTS",
    "Analytics",
    "connect",
    "current_observations",
    "digit_counts",
    "eco_holder_points",
    "eco_participation",
    "eco_points_by_dimension",
    "monthly_request_metrics",
    "panel_wide",
    "request_facts",
    "spark_session",
    "sqlite_scanner_path",
    "survey_item_means",
    "survey_participation",
    "survey_scores",
]
