"""Counting for the career centres' statistics: exact aggregates, never a student's row.

Every query returns counts, sums or averages; none returns a student's id, name or
answer, so nothing above this layer can leak one. The numbers are exact here; what
staff may see of them is decided by :func:`bot.stats.report.build_report`.

These queries read many rows, so they run on their own read-only connection (SQLite's
WAL lets them read while students' answers are written) and never make the bot's
main connection wait. Each student counts once: their latest finished attempt in the
period, else their latest attempt started in it; that set is built once per report
as a temporary table and every query reads it.

A finished attempt whose profile carries careless-answering flags (``$.flags``, quiz
version 2) is counted apart; bands, specialisations and trait averages read only the
others, whose result can be trusted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime

from bot.clock import to_db
from bot.db.database import Database
from bot.stats.report import Feedback, Mean, RawStats

BEGINNING = "0000-00-00 00:00:00"

_CHOSEN = """
CREATE TEMP TABLE chosen AS
SELECT a.id, a.user_id, a.status, a.current_node, a.started_at, a.finished_at,
       IFNULL(json_array_length(a.profile, '$.flags'), 0) > 0 AS flagged
  FROM attempts a
 WHERE a.id IN ({picked})
"""

_PICK_CENTRE = """
SELECT COALESCE(MAX(CASE WHEN b.status = 'finished' THEN b.id END), MAX(b.id))
  FROM users u JOIN attempts b ON b.user_id = u.id
 WHERE u.centre_id = :centre AND b.quiz_id = :quiz AND b.started_at >= :since
 GROUP BY b.user_id
"""

_PICK_ALL = """
SELECT COALESCE(MAX(CASE WHEN b.status = 'finished' THEN b.id END), MAX(b.id))
  FROM attempts b
 WHERE b.quiz_id = :quiz AND b.started_at >= :since
 GROUP BY b.user_id
"""

_TOTALS = """
SELECT COUNT(*) AS started,
       IFNULL(SUM(status = 'finished'), 0) AS finished,
       IFNULL(SUM(status = 'finished' AND flagged), 0) AS flagged,
       IFNULL(SUM(status = 'finished' AND EXISTS (
           SELECT 1 FROM tip_subscriptions t WHERE t.user_id = chosen.user_id)), 0) AS subscribed
  FROM chosen
"""

_MEDIAN = """
WITH d AS (
    SELECT (julianday(finished_at) - julianday(started_at)) * 86400.0 AS seconds
      FROM chosen WHERE status = 'finished'
), n AS (SELECT COUNT(*) AS n FROM d)
SELECT AVG(seconds) FROM (
    SELECT seconds FROM d ORDER BY seconds
     LIMIT 2 - (SELECT n FROM n) % 2 OFFSET ((SELECT n FROM n) - 1) / 2
)
"""

# Profiles stay in `attempts` (copying them would cost more than the lookups by id).
_OUTCOMES = """
SELECT json_extract(a.profile, '$.band') AS band,
       json_extract(a.profile, '$.recommended') AS recommended, COUNT(*) AS n
  FROM chosen c JOIN attempts a ON a.id = c.id
 WHERE c.status = 'finished' AND NOT c.flagged
 GROUP BY band, recommended
"""

_TRAITS = """
SELECT j.key AS trait, AVG(j.value) AS mean, COUNT(j.value) AS n
  FROM chosen c JOIN attempts a ON a.id = c.id, json_each(a.profile, '$.scores') j
 WHERE c.status = 'finished' AND NOT c.flagged AND j.value IS NOT NULL
 GROUP BY j.key
"""

_ANSWERED = """
SELECT x.node_id AS node, COUNT(DISTINCT x.attempt_id) AS n
  FROM chosen c JOIN answers x ON x.attempt_id = c.id
 GROUP BY x.node_id
"""

# Students stopped at a screen they never answered: they reached it, and no more.
_STOPPED = """
SELECT c.current_node AS node, COUNT(*) AS n
  FROM chosen c
 WHERE c.status <> 'finished'
   AND NOT EXISTS (
       SELECT 1 FROM answers x WHERE x.attempt_id = c.id AND x.node_id = c.current_node)
 GROUP BY c.current_node
"""

_FEEDBACK_CENTRE = """
SELECT f.verdict, COUNT(*) AS given, COUNT(DISTINCT f.user_id) AS students
  FROM users u JOIN tip_feedback f ON f.user_id = u.id
 WHERE u.centre_id = :centre AND f.created_at >= :since
 GROUP BY f.verdict
"""

_FEEDBACK_ALL = """
SELECT verdict, COUNT(*) AS given, COUNT(DISTINCT user_id) AS students
  FROM tip_feedback WHERE created_at >= :since GROUP BY verdict
"""

_FINISHED_SINCE = """
SELECT COUNT(DISTINCT a.user_id)
  FROM users u JOIN attempts a ON a.user_id = u.id
 WHERE u.centre_id = :centre AND a.quiz_id = :quiz AND a.status = 'finished'
   AND a.finished_at >= :since
"""

# The heaviest statement of a report, for the benchmark's query plan.
HEAVIEST = _ANSWERED


class StatsRepo:
    def __init__(self, reader: Database) -> None:
        self._db = reader
        self._lock = asyncio.Lock()  # one report at a time owns the temporary table

    async def raw(self, centre_id: int | None, quiz_id: str, since: datetime | None) -> RawStats:
        """Exact counts for a centre (None: every student of the bot) since a moment."""
        params = {"centre": centre_id, "quiz": quiz_id, "since": _since(since)}
        async with self._lock:
            await self._choose(centre_id, params)
            try:
                totals = await self._db.fetchone(_TOTALS)
                assert totals is not None
                median = await self._db.fetchval(_MEDIAN)
                bands, specialisations = await self._outcomes()
                traits = await self._traits()
                answered = await self._counts(_ANSWERED)
                stopped = await self._counts(_STOPPED)
            finally:
                await self._db.execute("DROP TABLE IF EXISTS temp.chosen")
            if centre_id is None:
                everyone = traits
            else:
                await self._choose(None, params)
                try:
                    everyone = await self._traits()
                finally:
                    await self._db.execute("DROP TABLE IF EXISTS temp.chosen")
        feedback_sql = _FEEDBACK_ALL if centre_id is None else _FEEDBACK_CENTRE
        feedback = {
            row["verdict"]: Feedback(row["given"], row["students"])
            for row in await self._db.fetchall(feedback_sql, params)
        }
        reached = dict(answered)
        for node, n in stopped.items():
            reached[node] = reached.get(node, 0) + n
        return RawStats(
            started=totals["started"],
            finished=totals["finished"],
            flagged=totals["flagged"],
            median_seconds=median,
            bands=bands,
            specialisations=specialisations,
            traits=traits,
            everyone_traits=everyone,
            subscribed=totals["subscribed"],
            feedback=feedback,
            reached=reached,
            answered=answered,
        )

    async def finished_since(self, centre_id: int, quiz_id: str, since: datetime) -> int:
        """Students of a centre who finished the quiz since a moment (for the digest)."""
        value = await self._db.fetchval(
            _FINISHED_SINCE, {"centre": centre_id, "quiz": quiz_id, "since": to_db(since)}
        )
        return int(value or 0)

    async def _choose(self, centre_id: int | None, params: Mapping[str, object]) -> None:
        await self._db.execute("DROP TABLE IF EXISTS temp.chosen")
        picked = _PICK_ALL if centre_id is None else _PICK_CENTRE
        await self._db.execute(_CHOSEN.format(picked=picked), dict(params))

    async def _outcomes(self) -> tuple[dict[str, int], dict[str, int]]:
        """Finished students with a reliable result by band and by recommended
        specialisation (one pass)."""
        bands: dict[str, int] = {}
        specialisations: dict[str, int] = {}
        for row in await self._db.fetchall(_OUTCOMES):
            if row["band"] is not None:
                bands[row["band"]] = bands.get(row["band"], 0) + row["n"]
            if row["recommended"] is not None:
                key = row["recommended"]
                specialisations[key] = specialisations.get(key, 0) + row["n"]
        return bands, specialisations

    async def _traits(self) -> dict[str, Mean]:
        rows = await self._db.fetchall(_TRAITS)
        return {row["trait"]: Mean(float(row["mean"]), row["n"]) for row in rows}

    async def _counts(self, sql: str) -> dict[str, int]:
        return {row["node"]: row["n"] for row in await self._db.fetchall(sql)}


def _since(moment: datetime | None) -> str:
    return BEGINNING if moment is None else to_db(moment)
