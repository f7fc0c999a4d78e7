"""Statistics for career-centre managers: the privacy rules (small-group suppression).
Pure Python: no aiogram, no database, no event loop.
"""

from bot.stats.suppression import (
    DEFAULT_MIN_GROUP,
    FunnelRow,
    FunnelStep,
    Partition,
    suppress_funnel,
    suppress_partition,
    suppress_statistic,
)

__all__ = [
    "DEFAULT_MIN_GROUP",
    "FunnelRow",
    "FunnelStep",
    "Partition",
    "suppress_funnel",
    "suppress_partition",
    "suppress_statistic",
]
