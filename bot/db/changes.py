"""Which people's stored rows changed, as SQLite itself reports it.

A visit of a student who agreed to the personal data notice needs their row (language,
centre, consent) before any handler runs, and reading it is a trip to the database's
thread on every update. `StudentService` keeps the row of a recent visit in memory
instead, and that is only safe if it learns of every later write to the row. Asking
each write path to say so would miss the next one somebody adds; here SQLite says it:
temporary triggers on the bot's connection call back into Python for every row of
`users` or `consents` that is inserted, deleted or updated, whatever statement or code
path wrote it (an `UPDATE` from a repository, a cascade of a deletion, a transaction
run on the connection's thread). The one write they leave out is a visit's own stamp:
an update that changes nothing but `last_seen_at`.

The triggers are temporary: they live on this connection only, are made anew each time
it opens, and are no part of the schema or its migrations. They see no other process's
writes, so the bot is the only process that writes its database while it runs: it
holds `RunLock` (a second `careerbot run` on the same database stops at once, and
`careerbot restore` refuses to run meanwhile).
"""

from __future__ import annotations

import collections
import weakref

from bot.db.database import Database

WATCHED_FUNCTION = "careerbot_person_changed"
"""The SQL function the triggers call with the id of the person whose row changed."""

_UNWATCHED_COLUMNS = frozenset({"last_seen_at"})
"""Columns of `users` an update may change without counting as a change of the person:
the stamp every recorded visit moves."""


class PersonChanges:
    """Ids of people whose `users` or `consents` rows changed, in the order SQLite wrote them.

    `generation` counts every change since the connection opened. The triggers call
    `changed` on the database's thread; the event loop reads `generation` and takes the
    ids with `take`. Only the database's thread moves `generation`, and a deque's append
    and popleft are atomic. The thread may stop between the two steps of `changed`, so
    `generation` moves first: a reader that took the ids and then finds the generation it
    knew has not missed this change, whose id is still to come.
    """

    def __init__(self) -> None:
        self.generation = 0
        self._ids: collections.deque[int] = collections.deque()

    def changed(self, person_id: int | None) -> None:
        self.generation += 1
        if person_id is not None:
            self._ids.append(person_id)

    def take(self) -> list[int]:
        """The ids reported since the last call (an id may come more than once)."""
        taken = []
        ids = self._ids
        while ids:
            taken.append(ids.popleft())
        return taken


_watched: weakref.WeakSet[Database] = weakref.WeakSet()


async def watch_people(db: Database) -> PersonChanges:
    """Install the triggers on `db`'s connection (after its migrations, since they name
    every column of `users` there is) and return what they report to.

    Once per connection: a second watcher would take the reports from the first, which
    would then trust rows that changed, so a second call raises RuntimeError.
    """
    if db in _watched:
        raise RuntimeError(f"people on {db.path} are watched already")
    _watched.add(db)
    changes = PersonChanges()
    columns = [str(row["name"]) for row in await db.fetchall("PRAGMA main.table_info(users)")]
    watched = [c for c in columns if c not in _UNWATCHED_COLUMNS]
    if not watched:
        raise RuntimeError("the table users has no columns: apply the migrations first")
    differs = " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in watched)
    await db.connection.create_function(WATCHED_FUNCTION, 1, changes.changed, deterministic=False)
    report = f"SELECT {WATCHED_FUNCTION}"
    # Each table names its person in `key`; an update of `users` counts only when it
    # changes more than the visit's stamp.
    tables = (("users", "id", f"WHEN {differs}"), ("consents", "user_id", ""))
    for table, key, update_when in tables:
        for name, trigger in (
            ("inserted", f"AFTER INSERT ON main.{table} BEGIN {report}(NEW.{key}); END"),
            ("deleted", f"AFTER DELETE ON main.{table} BEGIN {report}(OLD.{key}); END"),
            (
                "updated",
                f"AFTER UPDATE ON main.{table} {update_when}"
                f" BEGIN {report}(OLD.{key}); {report}(NEW.{key}); END",
            ),
        ):
            await db.run(f"CREATE TEMP TRIGGER IF NOT EXISTS careerbot_{table}_{name} {trigger}")
    return changes
