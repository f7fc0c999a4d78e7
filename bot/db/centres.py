"""Career centres, the staff granted in the bot, and the one-time invites that grant them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import from_db, to_db
from bot.db.database import Database
from bot.db.users import UsersRepo
from bot.domain import Centre, DigestRecipient, Role, SeenUser, StaffMember


def _centre(row: aiosqlite.Row) -> Centre:
    return Centre(
        id=row["id"],
        name=row["name"],
        code=row["code"],
        created_at=from_db(row["created_at"]),
        archived_at=from_db(row["archived_at"]) if row["archived_at"] else None,
    )


@dataclass(frozen=True, slots=True)
class InviteRow:
    id: int
    role: Role
    centre_id: int | None
    expires_at: datetime
    used: bool
    used_by: int | None


@dataclass(frozen=True, slots=True)
class CentreCounts:
    """What the admin's list shows beside a centre's name."""

    students: int
    managers: int


class CentresRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, name: str, code: str, created_by: int, now: datetime) -> Centre:
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO centres (name, code, created_by, created_at) VALUES (?, ?, ?, ?)",
                (name, code, created_by, to_db(now)),
            )
            row = await tx.fetchone("SELECT * FROM centres WHERE code = ?", (code,))
        assert row is not None
        return _centre(row)

    async def code_taken(self, code: str) -> bool:
        return await self._db.fetchval("SELECT 1 FROM centres WHERE code = ?", (code,)) is not None

    async def get(self, centre_id: int) -> Centre | None:
        row = await self._db.fetchone("SELECT * FROM centres WHERE id = ?", (centre_id,))
        return _centre(row) if row else None

    async def by_code(self, code: str) -> Centre | None:
        row = await self._db.fetchone("SELECT * FROM centres WHERE code = ?", (code,))
        return _centre(row) if row else None

    async def all(self, *, archived: bool = False) -> list[Centre]:
        rows = await self._db.fetchall(
            "SELECT * FROM centres WHERE (archived_at IS NOT NULL) = ? ORDER BY name, id",
            (archived,),
        )
        return [_centre(row) for row in rows]

    async def counts(self) -> dict[int, CentreCounts]:
        rows = await self._db.fetchall(
            """
            SELECT c.id,
                   (SELECT COUNT(*) FROM users u WHERE u.centre_id = c.id) AS students,
                   (SELECT COUNT(*) FROM staff s WHERE s.centre_id = c.id) AS managers
              FROM centres c
            """
        )
        return {row["id"]: CentreCounts(row["students"], row["managers"]) for row in rows}

    async def rename(self, centre_id: int, name: str) -> bool:
        changed = await self._db.execute(
            "UPDATE centres SET name = ? WHERE id = ?", (name, centre_id)
        )
        return changed == 1

    async def set_archived(self, centre_id: int, now: datetime | None) -> bool:
        changed = await self._db.execute(
            "UPDATE centres SET archived_at = ? WHERE id = ?",
            (to_db(now) if now else None, centre_id),
        )
        return changed == 1


class StaffRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def roles_of(self, user_id: int) -> list[tuple[Role, int | None]]:
        """Granted roles of a user; managers of archived centres keep their role."""
        rows = await self._db.fetchall(
            "SELECT role, centre_id FROM staff WHERE user_id = ?", (user_id,)
        )
        return [(Role(row["role"]), row["centre_id"]) for row in rows]

    async def members(self, role: Role, centre_id: int | None = None) -> list[StaffMember]:
        rows = await self._db.fetchall(
            """
            SELECT s.user_id, s.role, s.centre_id, s.granted_at,
                   TRIM(u.first_name || ' ' || IFNULL(u.last_name, '')) AS name, u.username
              FROM staff s JOIN users u ON u.id = s.user_id
             WHERE s.role = ? AND IFNULL(s.centre_id, 0) = IFNULL(?, 0)
             ORDER BY s.granted_at, s.id
            """,
            (role.value, centre_id),
        )
        return [
            StaffMember(
                user_id=row["user_id"],
                role=Role(row["role"]),
                centre_id=row["centre_id"],
                name=row["name"],
                username=row["username"],
                granted_at=from_db(row["granted_at"]),
            )
            for row in rows
        ]

    async def everyone(self) -> list[int]:
        """Every user who holds a granted role (for their command menus at start-up)."""
        rows = await self._db.fetchall("SELECT DISTINCT user_id FROM staff ORDER BY user_id")
        return [row["user_id"] for row in rows]

    async def revoke(self, user_id: int, role: Role, centre_id: int | None) -> bool:
        changed = await self._db.execute(
            "DELETE FROM staff"
            " WHERE user_id = ? AND role = ? AND IFNULL(centre_id, 0) = IFNULL(?, 0)",
            (user_id, role.value, centre_id),
        )
        return changed == 1

    async def add_invite(
        self,
        token_hash: str,
        role: Role,
        centre_id: int | None,
        created_by: int,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        await self._db.execute(
            """
            INSERT INTO invites (token_hash, role, centre_id, created_by, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            (token_hash, role.value, centre_id, created_by, to_db(now), to_db(expires_at)),
        )

    async def invite(self, token_hash: str) -> InviteRow | None:
        row = await self._db.fetchone(
            "SELECT id, role, centre_id, expires_at, used_by, used_at FROM invites"
            " WHERE token_hash = ?",
            (token_hash,),
        )
        if row is None:
            return None
        return InviteRow(
            id=row["id"],
            role=Role(row["role"]),
            centre_id=row["centre_id"],
            expires_at=from_db(row["expires_at"]),
            used=row["used_at"] is not None,
            used_by=row["used_by"],
        )

    async def redeem(
        self, invite: InviteRow, user_id: int, now: datetime, person: SeenUser | None = None
    ) -> bool:
        """Use the invite once and grant its role, in one transaction.

        False if somebody used it first (the `used_at IS NULL` guard), so two people
        opening the same link at once never both get in.
        """
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            free = await tx.fetchval(
                "SELECT 1 FROM invites WHERE id = ? AND used_at IS NULL", (invite.id,)
            )
            if free is None:
                return False
            if person is not None:  # stored for the role: the row the invite will name
                await UsersRepo(tx).touch(person, now)
            await tx.execute(
                "UPDATE invites SET used_by = ?, used_at = ? WHERE id = ?",
                (user_id, stamp, invite.id),
            )
            await tx.execute(
                """
                INSERT INTO staff (user_id, role, centre_id, granted_at, invite_id)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """,
                (user_id, invite.role.value, invite.centre_id, stamp, invite.id),
            )
        return True


class DigestsRepo:
    """The weekly digest's bookkeeping, kept on the manager's staff row.

    `digest_week` is the moment the week's digest fell due (claimed); `digest_sent_at`
    is when one last went out. A row claimed for a week but not sent by then was cut
    short by a crash and is released at start-up.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    async def due(self, week: datetime) -> list[DigestRecipient]:
        rows = await self._db.fetchall(
            """
            SELECT s.id, s.user_id, s.centre_id, c.name, u.locale, u.language_code,
                   s.digest_sent_at
              FROM staff s
              JOIN centres c ON c.id = s.centre_id
              JOIN users u ON u.id = s.user_id
             WHERE s.role = 'manager' AND s.digest = 1
               AND (s.digest_week IS NULL OR s.digest_week < :week)
               AND s.granted_at < :week
               AND c.archived_at IS NULL AND u.blocked_at IS NULL
             ORDER BY s.id
            """,
            {"week": to_db(week)},
        )
        return [
            DigestRecipient(
                staff_id=row["id"],
                user_id=row["user_id"],
                centre_id=row["centre_id"],
                centre_name=row["name"],
                locale=row["locale"],
                language_code=row["language_code"],
                last_sent_at=from_db(row["digest_sent_at"]) if row["digest_sent_at"] else None,
            )
            for row in rows
        ]

    async def claim(self, staff_id: int, week: datetime) -> bool:
        """Right before sending: still wanted, and this week's not done yet."""
        stamp = to_db(week)
        changed = await self._db.execute(
            """
            UPDATE staff SET digest_week = :week, digest_sending = 1
             WHERE id = :id AND digest = 1
               AND (digest_week IS NULL OR digest_week < :week
                    OR (digest_week = :week AND digest_sending = 1))
            """,
            {"id": staff_id, "week": stamp},
        )
        return changed == 1

    async def release(self, staff_id: int) -> None:
        """Not sent after all (the claim was refused mid-way): due again."""
        await self._db.execute(
            "UPDATE staff SET digest_week = NULL, digest_sending = 0"
            " WHERE id = ? AND digest_sending = 1",
            (staff_id,),
        )

    async def settle(self, staff_id: int, week: datetime, sent_at: datetime | None) -> None:
        """This week is done: a digest went out at `sent_at`, or none will (None)."""
        await self._db.execute(
            """
            UPDATE staff SET digest_week = ?, digest_sending = 0,
                   digest_sent_at = IFNULL(?, digest_sent_at)
             WHERE id = ?
            """,
            (to_db(week), to_db(sent_at) if sent_at else None, staff_id),
        )

    async def release_interrupted(self) -> int:
        """At start-up: digests a crash cut short are due again (sent at most twice)."""
        return await self._db.execute(
            "UPDATE staff SET digest_week = NULL, digest_sending = 0 WHERE digest_sending = 1"
        )

    async def set_wanted(self, user_id: int, centre_id: int, wanted: bool) -> bool:
        changed = await self._db.execute(
            "UPDATE staff SET digest = ? WHERE user_id = ? AND role = 'manager' AND centre_id = ?",
            (int(wanted), user_id, centre_id),
        )
        return changed == 1
