"""A finished profile as plain data: stored with the attempt, so results stay readable
after the quiz file changes, and so tips can be chosen from the latest growth areas."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bot.quiz.scoring import Profile


@dataclass(frozen=True)
class StoredProfile:
    quiz_id: str
    quiz_version: int
    scores: dict[str, int | None]
    overall: int | None
    strengths: tuple[str, ...]
    growth_areas: tuple[str, ...]
    band: str
    fits: dict[str, int]
    recommended: str
    interest: str | None = None
    flags: tuple[str, ...] = ()
    """Careless answering noticed (:class:`bot.quiz.careless.Flag` values): the result
    may be inaccurate. Empty for a careful attempt and for attempts of quiz version 1."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @classmethod
    def from_profile(cls, profile: Profile, flags: tuple[str, ...] = ()) -> StoredProfile:
        return cls(
            quiz_id=profile.quiz_id,
            quiz_version=profile.quiz_version,
            scores=dict(profile.scores),
            overall=profile.overall,
            strengths=tuple(profile.strengths),
            growth_areas=tuple(profile.growth_areas),
            band=profile.band_id,
            fits={f.specialisation_id: f.fit for f in profile.fits},
            recommended=profile.recommended_id,
            interest=profile.interest,
            flags=tuple(flags),
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["strengths"] = list(self.strengths)
        data["growth_areas"] = list(self.growth_areas)
        data["flags"] = list(self.flags)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredProfile:
        return cls(
            quiz_id=str(data["quiz_id"]),
            quiz_version=int(data["quiz_version"]),
            scores={str(k): (None if v is None else int(v)) for k, v in data["scores"].items()},
            overall=None if data.get("overall") is None else int(data["overall"]),
            strengths=tuple(data.get("strengths", ())),
            growth_areas=tuple(data.get("growth_areas", ())),
            band=str(data["band"]),
            fits={str(k): int(v) for k, v in data.get("fits", {}).items()},
            recommended=str(data["recommended"]),
            interest=data.get("interest"),
            flags=tuple(str(f) for f in data.get("flags", ())),
            extra=dict(data.get("extra", {})),
        )
