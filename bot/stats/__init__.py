"""Statistics for career-centre managers: the privacy rules (small-group suppression) and
the CSV of exports. Pure Python: no aiogram, no database, no event loop.
"""

from bot.stats.suppression import (
    DEFAULT_MIN_GROUP,
    FunnelRow,
    FunnelStep,
    Partition,
    suppress_funnel,
    suppress_partition,
    suppress_statistic,
    suppress_within,
)
from bot.stats.table import to_csv

__all__ = [
    "DEFAULT_MIN_GROUP",
    "FunnelRow",
    "FunnelStep",
    "Partition",
    "suppress_funnel",
    "suppress_partition",
    "suppress_statistic",
    "suppress_within",
    "to_csv",
]
