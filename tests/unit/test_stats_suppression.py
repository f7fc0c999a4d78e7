"""Small-group suppression: partitions, statistics and the drop-off funnel, on hand-made
numbers and on random ones."""

from __future__ import annotations

from collections import Counter
from collections.abc import Container

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.stats import (
    DEFAULT_MIN_GROUP,
    FunnelRow,
    FunnelStep,
    Partition,
    suppress_funnel,
    suppress_partition,
    suppress_statistic,
    suppress_within,
)

K = DEFAULT_MIN_GROUP
PART_COUNTS = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=8)
GROUP_SIZES = st.integers(min_value=1, max_value=15)

# --- partitions ------------------------------------------------------------------------------


def test_all_of_a_group_finished_is_shown_with_its_zero() -> None:
    shown = suppress_partition(12, {"finished": 12, "stopped": 0}, K)
    assert shown == Partition(12, {"finished": 12, "stopped": 0})
    assert shown.share("finished") == 1.0
    assert shown.share("stopped") == 0.0


def test_a_lone_small_part_hides_the_smallest_other_part_too() -> None:
    shown = suppress_partition(38, {"a": 15, "b": 3, "c": 20}, K)
    assert shown == Partition(38, {"a": None, "b": None, "c": 20})
    assert shown.share("a") is None
    assert shown.share("c") == pytest.approx(20 / 38)


def test_small_parts_adding_up_to_a_small_group_hide_more_parts() -> None:
    assert suppress_partition(38, {"a": 4, "b": 4, "c": 30}, K) == Partition(
        38, {"a": None, "b": None, "c": None}
    )
    assert suppress_partition(66, {"a": 2, "b": 3, "c": 11, "d": 50}, K) == Partition(
        66, {"a": None, "b": None, "c": None, "d": 50}
    )


def test_of_equal_parts_the_later_one_is_hidden() -> None:
    shown = suppress_partition(47, {"a": 3, "b": 12, "c": 12, "d": 20}, K)
    assert shown.parts == {"a": None, "b": 12, "c": None, "d": 20}


def test_zero_parts_stay_shown_and_are_never_hidden_as_complement() -> None:
    shown = suppress_partition(35, {"a": 5, "b": 0, "c": 30}, K)
    assert shown.parts == {"a": None, "b": 0, "c": None}


def test_two_small_parts_adding_up_to_k_are_enough() -> None:
    shown = suppress_partition(40, {"a": 6, "b": 4, "c": 30}, K)
    assert shown.parts == {"a": None, "b": None, "c": 30}


def test_a_small_total_hides_everything() -> None:
    assert suppress_partition(7, {"a": 7, "b": 0}, K) == Partition(None, {"a": None, "b": None})
    assert suppress_partition(7, {"a": 7}, K).share("a") is None


def test_a_zero_total_is_shown_and_has_no_shares() -> None:
    shown = suppress_partition(0, {"a": 0, "b": 0}, K)
    assert shown == Partition(0, {"a": 0, "b": 0})
    assert shown.share("a") is None


def test_part_order_is_kept() -> None:
    shown = suppress_partition(60, {"z": 20, "a": 20, "m": 20}, K)
    assert list(shown.parts) == ["z", "a", "m"]


def test_k_of_one_hides_nothing() -> None:
    assert suppress_partition(3, {"a": 1, "b": 2}, 1) == Partition(3, {"a": 1, "b": 2})


@pytest.mark.parametrize(
    ("total", "parts", "k", "message"),
    [
        (12, {"a": 10, "b": 3}, K, "add up to 13"),
        (12, {"a": 15, "b": -3}, K, "negative"),
        (-1, {"a": -1}, K, "negative"),
        (12, {"a": 12}, 0, "at least 1"),
    ],
)
def test_bad_partitions_are_refused(
    total: int, parts: dict[str, int], k: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        suppress_partition(total, parts, k)


def hidden_counts(shown: Partition[int], parts: dict[int, int], k: int) -> list[int]:
    """The true counts of the hidden parts, after checking that every shown part is true
    and is 0 or at least `k`."""
    for key, value in shown.parts.items():
        if value is not None:
            assert value == parts[key]
            assert value == 0 or value >= k
    return [parts[key] for key, value in shown.parts.items() if value is None]


@given(counts=PART_COUNTS, k=GROUP_SIZES)
def test_random_partitions_hide_no_small_group(counts: list[int], k: int) -> None:
    parts = dict(enumerate(counts))
    total = sum(counts)
    shown = suppress_partition(total, parts, k)

    assert list(shown.parts) == list(parts)
    if total == 0:
        assert shown == Partition[int](0, dict(parts))
        return
    if total < k:
        assert shown.total is None
        assert all(value is None for value in shown.parts.values())
        return
    assert shown.total == total
    hidden = hidden_counts(shown, parts, k)
    # The total minus the shown parts is the sum of the hidden ones: never a single part,
    # never a small group.
    assert not hidden or (len(hidden) >= 2 and sum(hidden) >= k)
    assert all(count > 0 for count in hidden)


# --- a partition within a partition ---------------------------------------------------------


def test_within_a_shown_part_the_split_is_an_ordinary_partition() -> None:
    parts = {"reliable": 30, "flagged": 4}
    assert suppress_within(34, 34, parts, K) == suppress_partition(34, parts, K)
    assert suppress_within(34, 34, parts, K).total == 34


def test_within_a_hidden_part_the_split_does_not_add_it_back_up() -> None:
    # 40 started, 35 finished, 5 did not: the funnel hides both. Shown as they are,
    # 25 + 10 would give the 35 back, and 40 - 35 the five.
    shown = suppress_within(None, 35, {"reliable": 25, "flagged": 10}, K)
    assert shown == Partition(None, {"reliable": None, "flagged": None})


def test_within_a_hidden_part_a_large_part_can_stay_shown() -> None:
    shown = suppress_within(None, 70, {"good": 30, "possible": 25, "unlikely": 15}, K)
    # The smallest goes first, then its complement: 15 + 25 hidden, 30 shown.
    assert shown == Partition(None, {"good": 30, "possible": None, "unlikely": None})


def test_within_a_hidden_part_zeros_are_hidden_when_nothing_else_is_there() -> None:
    assert suppress_within(None, 0, {"a": 0, "b": 0}, K) == Partition(None, {"a": None, "b": None})
    lone = suppress_within(None, 20, {"a": 20, "b": 0}, K)
    assert lone == Partition(None, {"a": None, "b": 0})


def test_within_a_small_part_everything_is_hidden() -> None:
    assert suppress_within(None, 6, {"a": 6, "b": 0}, K) == Partition(None, {"a": None, "b": None})


@given(counts=PART_COUNTS, k=GROUP_SIZES)
def test_random_splits_of_a_hidden_part_never_give_it_back(counts: list[int], k: int) -> None:
    parts = dict(enumerate(counts))
    shown = suppress_within(None, sum(counts), parts, k)

    assert shown.total is None
    assert list(shown.parts) == list(parts)
    hidden = hidden_counts(shown, parts, k)
    # Something is always hidden, so the shown parts never add up to the hidden total;
    # what is hidden is a single part only when it is the whole of it.
    assert hidden
    positive = [count for count in hidden if count > 0]
    assert (len(positive) >= 2 and sum(positive) >= k) or sum(positive) == sum(counts)


# --- statistics ------------------------------------------------------------------------------


def test_a_statistic_of_a_small_group_is_hidden() -> None:
    assert suppress_statistic(9, 4.5, K) is None
    assert suppress_statistic(10, 4.5, K) == 4.5
    assert suppress_statistic(10, 0.0, K) == 0.0
    assert suppress_statistic(0, 1.0, K) is None


def test_bad_statistics_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress_statistic(-1, 1.0, K)
    with pytest.raises(ValueError, match="at least 1"):
        suppress_statistic(10, 1.0, 0)


# --- the drop-off funnel ---------------------------------------------------------------------


def step(node_id: str, reached: int, answered: int, *predecessors: str) -> FunnelStep:
    return FunnelStep(node_id, predecessors, reached, answered)


def test_a_chain_hides_a_handful_who_stopped() -> None:
    rows = suppress_funnel(
        [
            step("q1", 50, 47),  # 3 stopped here: 47 would show it
            step("q2", 47, 40, "q1"),  # 47 is still 3 below the 50 above it; 40 is 10 below
            step("q3", 40, 40, "q2"),
        ],
        entry=50,
        k=K,
    )
    assert rows == {
        "q1": FunnelRow(50, None),
        "q2": FunnelRow(None, 40),
        "q3": FunnelRow(40, 40),
    }


def test_first_screens_are_compared_with_the_students_who_started() -> None:
    rows = suppress_funnel([step("a", 45, 45), step("b", 30, 20)], entry=50, k=K)
    assert rows == {"a": FunnelRow(None, None), "b": FunnelRow(30, 20)}


def test_nothing_is_shown_when_few_started() -> None:
    rows = suppress_funnel([step("q1", 8, 8), step("q2", 8, 8, "q1")], entry=8, k=K)
    assert rows == {"q1": FunnelRow(None, None), "q2": FunnelRow(None, None)}


def test_a_fork_into_40_and_5_hides_both_branches() -> None:
    rows = suppress_funnel(
        [
            step("q1", 60, 45),
            step("big", 40, 40, "q1"),  # 45 - 40 = 5 would show the small branch
            step("small", 5, 5, "q1"),
        ],
        entry=100,
        k=K,
    )
    assert rows["q1"] == FunnelRow(60, 45)
    assert rows["big"] == FunnelRow(None, None)
    assert rows["small"] == FunnelRow(None, None)


def test_a_screen_nobody_reached_shows_zero() -> None:
    rows = suppress_funnel(
        [
            step("q1", 50, 50),
            step("taken", 50, 48, "q1"),
            step("untaken", 0, 0, "q1"),  # 50 - 0 is 50: nobody to hide
            step("after", 0, 0, "untaken"),
        ],
        entry=50,
        k=K,
    )
    assert rows["untaken"] == rows["after"] == FunnelRow(0, 0)
    assert rows["taken"] == FunnelRow(50, None)


def test_nobody_answered_shows_zero() -> None:
    rows = suppress_funnel([step("q1", 30, 0), step("q2", 5, 0)], entry=50, k=K)
    assert rows["q1"] == FunnelRow(30, 0)
    assert rows["q2"] == FunnelRow(None, 0)  # 50 - 0: the 5 who reached it stay hidden


def test_a_zero_below_a_small_number_stays_hidden() -> None:
    # Showing 0 would tell that all 4 who started stopped at the first screen.
    assert suppress_funnel([step("q1", 0, 0)], entry=4, k=K) == {"q1": FunnelRow(None, None)}
    assert suppress_funnel([step("q1", 4, 0)], entry=4, k=K) == {"q1": FunnelRow(None, None)}
    assert suppress_funnel([step("q1", 0, 0)], entry=0, k=K) == {"q1": FunnelRow(0, 0)}


def test_a_merge_of_branches_with_the_same_reference_counts_it_once() -> None:
    rows = suppress_funnel(
        [
            step("q1", 60, 45),
            step("big", 40, 40, "q1"),
            step("small", 5, 5, "q1"),
            # Both branches are hidden, so both point at q1's 45. Counted once, 38 is 7
            # below it (hidden); counted twice (90) it would be shown.
            step("merge", 38, 30, "big", "small"),
        ],
        entry=100,
        k=K,
    )
    assert rows["merge"] == FunnelRow(None, 30)


def test_a_merge_of_two_shown_branches_adds_them_up() -> None:
    rows = suppress_funnel(
        [
            step("q1", 50, 50),
            step("a", 25, 25, "q1"),
            step("b", 25, 25, "q1"),
            step("merge", 48, 48, "a", "b"),  # 2 below 25 + 25
        ],
        entry=50,
        k=K,
    )
    assert rows["a"] == rows["b"] == FunnelRow(25, 25)
    assert rows["merge"] == FunnelRow(None, None)


def test_a_merge_keeps_the_outer_of_two_nested_references() -> None:
    # q1 -> q2 -> q3, and q1 -> q3 directly. q1's answered is hidden, so the direct path
    # brings q1's reached (100); q2's path brings q2's answered (60), which lies inside
    # it. The bound for q3 is 100, not 160: 93 reached it, 7 below (hidden).
    rows = suppress_funnel(
        [
            step("q1", 100, 95),
            step("q2", 60, 60, "q1"),
            step("q3", 93, 80, "q1", "q2"),
        ],
        entry=100,
        k=K,
    )
    assert rows == {
        "q1": FunnelRow(100, None),
        "q2": FunnelRow(60, 60),
        "q3": FunnelRow(None, 80),
    }


def test_more_than_the_bound_reveals_nothing() -> None:
    # Students who went Back can be counted on two branches: 30 + 30 from 50.
    rows = suppress_funnel(
        [
            step("q1", 50, 50),
            step("a", 30, 30, "q1"),
            step("b", 30, 30, "q1"),
            step("after_a", 33, 33, "a"),
        ],
        entry=50,
        k=K,
    )
    assert rows["a"] == rows["b"] == FunnelRow(30, 30)
    assert rows["after_a"] == FunnelRow(33, 33)


def test_siblings_at_a_fork_are_hidden_as_the_parts_of_a_partition() -> None:
    # 45 - 25 - 12 would give the hidden 8 away, so the 12 is hidden too (8 + 12 = 20).
    rows = suppress_funnel(
        [
            step("q1", 60, 45),
            step("a", 25, 25, "q1"),
            step("b", 12, 7, "q1"),
            step("c", 8, 8, "q1"),
        ],
        entry=60,
        k=K,
    )
    assert rows == {
        "q1": FunnelRow(60, 45),
        "a": FunnelRow(25, 25),
        "b": FunnelRow(None, None),
        "c": FunnelRow(None, None),
    }


def test_a_fork_into_40_and_10_shows_both() -> None:
    rows = suppress_funnel(
        [step("q1", 50, 50), step("a", 40, 40, "q1"), step("b", 10, 10, "q1")], entry=50, k=K
    )
    assert rows == {"q1": FunnelRow(50, 50), "a": FunnelRow(40, 40), "b": FunnelRow(10, 10)}


def test_a_fork_into_45_and_5_hides_both() -> None:
    rows = suppress_funnel(
        [step("q1", 50, 50), step("a", 45, 45, "q1"), step("b", 5, 5, "q1")], entry=50, k=K
    )
    assert rows["a"] == rows["b"] == FunnelRow(None, None)


def test_a_lone_hidden_sibling_beside_zeros_has_nothing_left_to_hide() -> None:
    # 50 - 0 says nothing about the 45: it is hidden because 5 stopped at q1's answer.
    rows = suppress_funnel(
        [step("q1", 50, 50), step("a", 45, 45, "q1"), step("b", 0, 0, "q1")], entry=50, k=K
    )
    assert rows["a"] == FunnelRow(None, None)
    assert rows["b"] == FunnelRow(0, 0)


def test_the_branches_of_a_merge_are_not_a_partition() -> None:
    # Each branch can also be reached from "other", so 45 + 40 is their bound and q1's
    # count is not a total to subtract them from: the 12 stays shown.
    rows = suppress_funnel(
        [
            step("q1", 60, 45),
            step("other", 40, 40),
            step("a", 25, 25, "q1", "other"),
            step("b", 12, 12, "q1", "other"),
            step("c", 8, 8, "q1", "other"),
        ],
        entry=100,
        k=K,
    )
    assert rows["a"] == FunnelRow(25, 25)
    assert rows["b"] == FunnelRow(12, 12)
    assert rows["c"] == FunnelRow(None, None)


def test_below_a_sibling_hidden_as_a_complement_the_number_above_the_fork_counts() -> None:
    rows = suppress_funnel(
        [
            step("q1", 100, 100),
            step("a", 60, 60, "q1"),
            step("b", 35, 30, "q1"),  # hidden to protect the 5 below; 30 is 70 below 100
            step("c", 5, 5, "q1"),
            step("after_b", 30, 22, "b"),
        ],
        entry=100,
        k=K,
    )
    assert rows["b"] == FunnelRow(None, 30)
    assert rows["after_b"] == FunnelRow(30, None)


def test_an_empty_funnel_is_empty() -> None:
    assert suppress_funnel([], entry=10, k=K) == {}


@pytest.mark.parametrize(
    ("steps", "entry", "k", "message"),
    [
        ([step("q1", 10, 10), step("q1", 10, 10)], 10, K, "twice"),
        ([step("q1", 10, 10, "q2"), step("q2", 10, 10)], 10, K, "topological"),
        ([step("q1", 10, 10, "q1")], 10, K, "topological"),
        ([step("q1", 10, 11)], 20, K, "more students answered"),
        ([step("q1", -1, -1)], 10, K, "negative"),
        ([step("q1", 10, 10)], -1, K, "negative"),
        ([step("q1", 10, 10)], 10, 0, "at least 1"),
    ],
)
def test_bad_funnels_are_refused(steps: list[FunnelStep], entry: int, k: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        suppress_funnel(steps, entry, k)


@st.composite
def chains(draw: st.DrawFn) -> tuple[int, list[int]]:
    """The students who started, then reached and answered of each screen, never growing."""
    entry = draw(st.integers(min_value=0, max_value=200))
    numbers: list[int] = []
    for _ in range(2 * draw(st.integers(min_value=1, max_value=8))):
        numbers.append(draw(st.integers(min_value=0, max_value=numbers[-1] if numbers else entry)))
    return entry, numbers


def check_path(
    entry: int,
    numbers: list[int],
    shown: list[int | None],
    k: int,
    complements: Container[int] = (),
) -> None:
    """On one path, every shown number is what it was and 0 or at least k; every two shown
    numbers (``entry`` counting as shown) differ by 0 or at least k; and a number is hidden
    only if it is 1 to k - 1 or 1 to k - 1 below the nearest shown number above it, or its
    position is in ``complements`` (a sibling at a fork, which may be hidden to protect
    another)."""
    cells = [entry]
    for position, (number, value) in enumerate(zip(numbers, shown, strict=True)):
        if value is None:
            assert 0 < number < k or 0 < cells[-1] - number < k or position in complements
        else:
            assert value == number
            assert value == 0 or value >= k
            cells.append(value)
    for upper, cell in enumerate(cells):
        for lower in cells[upper + 1 :]:
            assert cell - lower == 0 or cell - lower >= k


@given(chain=chains(), k=st.integers(min_value=1, max_value=15))
def test_random_chains_show_no_small_difference(chain: tuple[int, list[int]], k: int) -> None:
    entry, numbers = chain
    steps = [
        FunnelStep(f"q{i}", (f"q{i - 1}",) if i else (), numbers[2 * i], numbers[2 * i + 1])
        for i in range(len(numbers) // 2)
    ]
    rows = suppress_funnel(steps, entry, k)
    shown = [number for row in rows.values() for number in (row.reached, row.answered)]
    check_path(entry, numbers, shown, k)


@st.composite
def trees(draw: st.DrawFn) -> tuple[int, list[FunnelStep]]:
    """A quiz that only forks: each screen has at most one predecessor, and is reached by
    no more students than answered it (or started, for a first screen)."""
    entry = draw(st.integers(min_value=0, max_value=200))
    steps: list[FunnelStep] = []
    for i in range(draw(st.integers(min_value=1, max_value=10))):
        parent = draw(st.sampled_from([None, *steps]))
        above = entry if parent is None else parent.answered
        reached = draw(st.integers(min_value=0, max_value=above))
        answered = draw(st.integers(min_value=0, max_value=reached))
        predecessors = () if parent is None else (parent.node_id,)
        steps.append(FunnelStep(f"q{i}", predecessors, reached, answered))
    return entry, steps


@given(tree=trees(), k=st.integers(min_value=1, max_value=15))
def test_random_forks_show_no_small_difference_along_any_path(
    tree: tuple[int, list[FunnelStep]], k: int
) -> None:
    entry, steps = tree
    rows = suppress_funnel(steps, entry, k)
    by_id = {s.node_id: s for s in steps}
    forks = Counter(s.predecessors for s in steps if s.predecessors)
    for leaf in steps:
        path = [leaf]
        while path[-1].predecessors:
            path.append(by_id[path[-1].predecessors[0]])
        path.reverse()
        numbers = [number for s in path for number in (s.reached, s.answered)]
        shown = [
            number for s in path for number in (rows[s.node_id].reached, rows[s.node_id].answered)
        ]
        complements = {2 * i for i, s in enumerate(path) if forks[s.predecessors] >= 2}
        check_path(entry, numbers, shown, k, complements)
    for parent in steps:
        children = [s for s in steps if s.predecessors == (parent.node_id,)]
        check_fork([s.reached for s in children], [rows[s.node_id].reached for s in children], k)


def check_fork(reached: list[int], shown: list[int | None], k: int) -> None:
    """Among the siblings at a fork (their ``reached``, and as shown), the hidden ones
    with a positive count are none, or two or more that add up to at least k, unless no
    positive sibling is left shown (then the shown ones, all 0, tell nothing)."""
    hidden = [count for count, value in zip(reached, shown, strict=True) if value is None]
    positive = [count for count in hidden if count > 0]
    if any(value for value in shown):
        assert len(positive) != 1
        assert sum(positive) == 0 or sum(positive) >= k


@st.composite
def two_level_trees(draw: st.DrawFn) -> tuple[int, list[FunnelStep]]:
    """A first screen and 2 to 4 branches below it, each reached by no more students than
    its share of those who answered the first screen (the shares add up to them)."""
    entry = draw(st.integers(min_value=0, max_value=200))
    reached = draw(st.integers(min_value=0, max_value=entry))
    answered = draw(st.integers(min_value=0, max_value=reached))
    steps = [FunnelStep("root", (), reached, answered)]
    branches = draw(st.integers(min_value=2, max_value=4))
    cuts = sorted(draw(st.integers(min_value=0, max_value=answered)) for _ in range(branches - 1))
    shares = [upper - lower for lower, upper in zip([0, *cuts], [*cuts, answered], strict=True)]
    for i, share in enumerate(shares):
        branch_reached = draw(st.integers(min_value=0, max_value=share))
        branch_answered = draw(st.integers(min_value=0, max_value=branch_reached))
        steps.append(FunnelStep(f"b{i}", ("root",), branch_reached, branch_answered))
    return entry, steps


@given(tree=two_level_trees(), k=st.integers(min_value=1, max_value=15))
def test_random_forks_hide_no_lone_sibling_and_no_small_group_of_siblings(
    tree: tuple[int, list[FunnelStep]], k: int
) -> None:
    entry, steps = tree
    rows = suppress_funnel(steps, entry, k)
    branches = steps[1:]
    check_fork([s.reached for s in branches], [rows[s.node_id].reached for s in branches], k)
