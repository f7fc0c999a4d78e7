"""Small-group suppression: which numbers a career-centre manager may see.

A manager sees counts of students (how many finished, how many chose each answer, how
many reached each screen of a quiz). Any number that describes fewer than ``k``
students (``STATS_MIN_GROUP``, 10 by default) could point at a person, so it is hidden
(shown as "<10"). Hiding it is not enough when the number can be worked out from the
numbers that are shown, so the rules below also hide some larger numbers
("complementary suppression"). Averages, medians and percentages of fewer than ``k``
students are hidden too.

Three kinds of numbers:

- **A partition** (:func:`suppress_partition`): a total and parts that add up to it,
  e.g. students by the answer they chose. A part of 1 to ``k - 1`` students is hidden.
  Subtracting the shown parts from the total gives the sum of the hidden ones, so a
  lone hidden part could be read back exactly, and hidden parts that add up to fewer
  than ``k`` would still be a small group. While either is the case, the smallest shown
  part is hidden too. A part of 0 is shown: it describes nobody, and without it "12 of
  12 finished" could not be shown.
- **A partition within a partition** (:func:`suppress_within`): finished students split
  into reliable and possibly inaccurate results, reliable results split into bands.
  Where the outer partition hid the part that is split here, the inner parts must not
  all be shown, or they would add it back up: the inner total is hidden, and at least
  two inner parts that add up to ``k`` or more.
- **A statistic** (:func:`suppress_statistic`): an average, median or percentage of
  ``n`` students is shown only if ``n >= k``.
- **The drop-off funnel** of a branching quiz (:func:`suppress_funnel`): how many
  students reached and answered each screen. Along a path of the quiz these numbers
  are groups nested in one another: those who answered a question are among those who
  reached it, and those who reached the next screen are among those who answered it.
  Two nested numbers that differ by 1 to ``k - 1`` reveal a small group ("3 students
  stopped at question 7"), even when both numbers are large. So the funnel is walked
  in order, and each number is shown only if it is 0 or at least ``k`` and it differs
  by 0 or by at least ``k`` from the shown numbers just above it on its paths (its
  reference). A 0 (a screen nobody reached) describes nobody and is shown like a part
  of 0, unless its reference is 1 to ``k - 1``: then the 0 would reveal that group.
  Where paths of the quiz merge, the reference is the shown numbers just above each
  incoming path, each counted once, and a number that lies inside another one of them
  is left out (the outer one already contains its students). Hidden numbers are
  skipped: a number below a hidden one is compared with the shown numbers above the
  hidden one. On a single path every pair of shown numbers then differs by 0 or by at
  least ``k``, because each step between neighbouring shown numbers does.

  Siblings at a fork are also treated as the parts of a partition. If 45 students
  answered a question and its branches were reached by 25, 12 and 8, the 8 is hidden,
  but 45 - 25 - 12 would give it away. So the branches that can only be reached from
  that question have their "reached" numbers checked as above, then get the
  partition's complementary rule: while the hidden branches (not counting those of 0)
  are a single one or add up to fewer than ``k``, the smallest shown branch is hidden
  too. Here that is the 12: the 8 and the 12 together are 20. Students who go Back
  can be on two branches, so the branches need not add up to the question's number;
  they are taken as they are. A branch that can also be reached another way (where
  paths merge) is left out of the partition. A branch hidden by this rule is skipped
  like any hidden number: the numbers below it are compared with the shown number
  above the fork.
"""

from __future__ import annotations

from collections.abc import Container, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

DEFAULT_MIN_GROUP = 10
"""The default ``k``: the smallest group whose size may be shown (``STATS_MIN_GROUP``)."""

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"the smallest group size must be at least 1, not {k}")


def _check_count(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"{name} is a count and cannot be negative: {value}")


# --- partitions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partition(Generic[K]):
    """A total and its parts as they may be shown; ``None`` is a hidden number.

    ``parts`` keeps the order of the parts given to :func:`suppress_partition`.
    """

    total: int | None
    parts: dict[K, int | None]

    def share(self, key: K) -> float | None:
        """The part ``key`` over the total (0 to 1); None when either is hidden or the
        total is 0."""
        part = self.parts[key]
        if part is None or self.total is None or self.total == 0:
            return None
        return part / self.total


def suppress_partition(total: int, parts: Mapping[K, int], k: int) -> Partition[K]:
    """Hide the parts of ``total`` that describe, or let one work out, fewer than ``k``.

    The parts must add up to ``total``. The rules:

    - A total of 0 is shown with its parts (all 0): there is nobody to hide.
    - A total of 1 to ``k - 1`` is hidden, and so is every part.
    - Primary: a part of 1 to ``k - 1`` is hidden. A part of 0 is shown.
    - Complementary: the total minus the shown parts is the sum of the hidden parts. So
      one hidden part alone is exact, and hidden parts that add up to fewer than ``k``
      are a small group themselves. While either is the case, the smallest shown part
      with a positive count is hidden too (of equal ones, the later). Parts of 0 stay
      shown: hiding them would add nothing to the hidden sum.

    Afterwards either no part is hidden, or at least two are and they add up to ``k`` or
    more; every shown part is 0 or at least ``k``.

    Raises ValueError for ``k < 1``, a negative count, or parts that do not add up to
    the total.
    """
    _check_k(k)
    _check_count("the total", total)
    for key, count in parts.items():
        _check_count(f"part {key!r}", count)
    if sum(parts.values()) != total:
        raise ValueError(f"the parts add up to {sum(parts.values())}, not to the total {total}")

    if total == 0:
        return Partition(0, dict(parts))
    if total < k:
        return Partition(None, dict.fromkeys(parts, None))

    hidden = _hide_complements(parts, {key for key, count in parts.items() if 1 <= count < k}, k)
    # The complement never runs out of parts to hide: hidden parts are positive, so with no
    # positive part left shown they would add up to the total (>= k), and a lone hidden
    # part is below k < total.
    assert _complete(parts, hidden, k), "no shown part left to hide"
    return Partition(total, {key: None if key in hidden else count for key, count in parts.items()})


def suppress_within(
    shown_total: int | None, total: int, parts: Mapping[K, int], k: int
) -> Partition[K]:
    """A partition of a number that is itself a part of another partition, as
    :func:`suppress_partition`, where ``shown_total`` is that number as the other
    partition shows it (None: hidden there).

    Finished students split by whether their result is reliable, within those who started,
    are such a partition. Where the outer partition hid the number, showing every part
    here would add it back up, and the outer hidden group with it. So then the total is
    hidden too, and so is at least one positive part, with the complementary rule on top
    (two or more hidden parts adding up to ``k`` or more), or every part when none is
    positive (a row of zeros would say the total is 0).
    """
    split = suppress_partition(total, parts, k)
    if shown_total is not None or split.total is None:
        return split
    hidden = {key for key, value in split.parts.items() if value is None}
    if not hidden:
        first = _smallest_shown(parts, hidden)
        if first is None:  # only zeros: shown, they would say the total is 0
            return Partition(None, dict.fromkeys(parts, None))
        hidden = {first}
    hidden = _hide_complements(parts, hidden, k)
    return Partition(None, {key: None if key in hidden else count for key, count in parts.items()})


def _complete(counts: Mapping[K, int], hidden: set[K], k: int) -> bool:
    """Whether the positive ``counts`` in ``hidden`` are none, or two or more that add up
    to ``k`` or more: then their sum, the only thing the shown counts tell about them,
    is no small group and no single count."""
    positive = [counts[key] for key in hidden if counts[key] > 0]
    return not positive or (len(positive) >= 2 and sum(positive) >= k)


def _hide_complements(counts: Mapping[K, int], hidden: set[K], k: int) -> set[K]:
    """``hidden`` and the counts hidden to protect it (complementary suppression).

    While the hidden positive counts are a lone one or add up to fewer than ``k``, the
    smallest shown positive count is hidden too (of equal ones, the later). Counts of 0
    are never hidden here: they would add nothing to the hidden sum. Stops early when no
    positive count is left shown.
    """
    hidden = set(hidden)
    while not _complete(counts, hidden, k):
        smallest = _smallest_shown(counts, hidden)
        if smallest is None:
            break
        hidden.add(smallest)
    return hidden


def _smallest_shown(counts: Mapping[K, int], hidden: Container[K]) -> K | None:
    """The smallest positive count not in ``hidden`` (of equal ones, the later); None if
    there is none."""
    candidates = [
        (count, position, key)
        for position, (key, count) in enumerate(counts.items())
        if key not in hidden and count > 0
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c[0], -c[1]))[2]


# --- statistics ------------------------------------------------------------------------------


def suppress_statistic(n: int, value: T, k: int) -> T | None:
    """``value`` (an average, median, percentage...) computed from ``n`` students, or None
    when ``n`` is below ``k``."""
    _check_k(k)
    _check_count("the number of students", n)
    return value if n >= k else None


# --- the drop-off funnel ---------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    """One screen of a quiz in the drop-off funnel.

    ``predecessors`` are the node ids of the screens that lead here (earlier steps);
    empty for a first screen. ``reached`` counts the students who saw this screen,
    ``answered`` those of them who answered it.
    """

    node_id: str
    predecessors: tuple[str, ...]
    reached: int
    answered: int


@dataclass(frozen=True)
class FunnelRow:
    """A screen's numbers as they may be shown; ``None`` is a hidden number."""

    reached: int | None
    answered: int | None


@dataclass(frozen=True)
class _Cell:
    """A shown number and the shown numbers that contain it (by index in the cell list)."""

    value: int
    ancestors: frozenset[int]


_ENTRY = 0  # the index of the virtual cell holding ``entry``


class _Funnel:
    """The cells shown so far, and the rule that shows one more."""

    def __init__(self, entry: int, k: int) -> None:
        self.cells = [_Cell(entry, frozenset())]
        self.k = k

    def outermost(self, cells: frozenset[int]) -> frozenset[int]:
        """``cells`` without those that lie inside another one of them."""
        return frozenset(c for c in cells if not self.cells[c].ancestors & cells)

    def allows(self, value: int, reference: frozenset[int]) -> bool:
        """Whether ``value`` is 0 or at least ``k`` and differs from the sum of its
        reference by 0 (or less) or by ``k`` or more."""
        difference = sum(self.cells[c].value for c in reference) - value
        return not (0 < value < self.k or 0 < difference < self.k)

    def show(self, value: int, reference: frozenset[int]) -> frozenset[int]:
        """Add ``value`` as a shown cell inside ``reference``; returns the reference for
        the number below it (the new cell)."""
        ancestors = reference.union(*(self.cells[c].ancestors for c in reference))
        self.cells.append(_Cell(value, ancestors))
        return frozenset({len(self.cells) - 1})

    def place(self, value: int, reference: frozenset[int]) -> tuple[frozenset[int], bool]:
        """Show ``value`` if :meth:`allows` says so. Returns the reference for the number
        below it (the new cell, or the same reference when hidden) and whether it is
        shown."""
        if not self.allows(value, reference):
            return reference, False
        return self.show(value, reference), True

    def hidden_siblings(self, reached: Mapping[str, int], reference: frozenset[int]) -> set[str]:
        """The siblings at a fork (node id to ``reached``, all below ``reference``) whose
        ``reached`` is hidden: by :meth:`allows`, then as the parts of a partition."""
        primary = {node for node, count in reached.items() if not self.allows(count, reference)}
        return _hide_complements(reached, primary, self.k)


def suppress_funnel(steps: Sequence[FunnelStep], entry: int, k: int) -> dict[str, FunnelRow]:
    """The funnel rows by node id (in the order of ``steps``), with the numbers hidden that
    are 1 to ``k - 1`` or differ by 1 to ``k - 1`` from the shown numbers just above them.

    ``entry`` is the number of students who started; it is the reference of the first
    screens and is treated as shown (hide it elsewhere if it is 1 to ``k - 1``: then
    every number here is hidden as well, a 0 too). The rule, step by step:

    - The reference of a first screen's ``reached`` is ``entry``. Otherwise it is, over
      the predecessors, the union of the reference below each one: its ``answered`` if
      shown, else the reference its ``answered`` was checked against. Cells inside
      another cell of the union are dropped (so a shared cell counts once and nested
      cells are not added up); the bound is the sum of what remains.
    - ``reached`` is shown iff it is 0 or at least ``k``, and the bound minus it is 0 or
      less (students who went Back and took two branches) or at least ``k``. So a screen
      nobody reached shows 0, unless the bound is 1 to ``k - 1``.
    - Siblings: the steps whose only predecessor is the same step, when there are two or
      more, share its reference. Their ``reached`` numbers, each decided by the rule
      above, then get complementary suppression like the parts of a partition (see
      :func:`suppress_partition`): while the hidden positive ones are a single one or
      add up to fewer than ``k``, the smallest shown positive one is hidden too (of
      equal ones, the later). This stops when no positive sibling is left shown: the
      shown siblings then tell nothing beyond the reference itself.
    - ``answered`` is checked the same way against ``reached`` if shown, else against
      the reference ``reached`` was checked against (a sibling hidden as a complement
      included).

    Raises ValueError for ``k < 1``, negative counts, ``answered > reached``, a repeated
    node id, or a predecessor that is not an earlier step.
    """
    _check_k(k)
    _check_count("entry", entry)
    earlier: set[str] = set()
    for step in steps:
        _check_step(step, earlier)
        earlier.add(step.node_id)

    forks = _forks(steps)
    funnel = _Funnel(entry, k)
    below: dict[str, frozenset[int]] = {}  # node id -> the reference below its answered
    sibling_shown: dict[str, bool] = {}  # node id -> whether its reached is shown, by fork
    rows: dict[str, FunnelRow] = {}
    for step in steps:
        if step.predecessors:
            union = frozenset[int]().union(*(below[p] for p in step.predecessors))
            reference = funnel.outermost(union)
        else:
            reference = frozenset({_ENTRY})
        siblings = forks.get(step.node_id)
        if siblings is None:
            reference, reached_shown = funnel.place(step.reached, reference)
        else:
            # The first sibling met decides for all: they share this reference.
            if step.node_id not in sibling_shown:
                hidden = funnel.hidden_siblings(siblings, reference)
                sibling_shown.update({node_id: node_id not in hidden for node_id in siblings})
            reached_shown = sibling_shown[step.node_id]
            if reached_shown:
                reference = funnel.show(step.reached, reference)
        below[step.node_id], answered_shown = funnel.place(step.answered, reference)
        rows[step.node_id] = FunnelRow(
            step.reached if reached_shown else None,
            step.answered if answered_shown else None,
        )
    return rows


def _forks(steps: Sequence[FunnelStep]) -> dict[str, dict[str, int]]:
    """Node id to its siblings at a fork (node id to ``reached``, itself included): the
    steps whose only predecessor is the same step, where there are two or more."""
    children: dict[str, dict[str, int]] = {}
    for step in steps:
        if len(set(step.predecessors)) == 1:
            children.setdefault(step.predecessors[0], {})[step.node_id] = step.reached
    return {
        node_id: siblings
        for siblings in children.values()
        if len(siblings) >= 2
        for node_id in siblings
    }


def _check_step(step: FunnelStep, earlier: Container[str]) -> None:
    if step.node_id in earlier:
        raise ValueError(f"step {step.node_id!r} is given twice")
    _check_count(f"reached at {step.node_id!r}", step.reached)
    _check_count(f"answered at {step.node_id!r}", step.answered)
    if step.answered > step.reached:
        raise ValueError(
            f"at {step.node_id!r} more students answered ({step.answered}) "
            f"than reached the screen ({step.reached})"
        )
    for predecessor in step.predecessors:
        if predecessor not in earlier:
            raise ValueError(
                f"predecessor {predecessor!r} of {step.node_id!r} is not an earlier step "
                "(steps must come in topological order)"
            )
