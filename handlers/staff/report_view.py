"""A suppressed statistics report as staff see it: a short text, the chart's input and
the CSV export's rows. All three read the same :class:`StatsReport`, in which hidden
numbers are already ``None``; here they become "<10" (or are left out of a chart)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from aiogram import html
from aiogram.utils.i18n import gettext as _

from bot.quiz import Quiz
from bot.quiz.models import InfoNode, QuestionNode
from bot.render.stats_model import DropoffRow, LabelledCount, StatsChartInput, TraitComparison
from bot.stats.report import (
    FINISHED,
    FLAGGED,
    NOT_SUBSCRIBED,
    RELIABLE,
    SUBSCRIBED,
    UNFINISHED,
    Period,
    StatsReport,
)

Cell = str | int | float | None
LABEL_LIMIT = 48


@dataclass(frozen=True)
class ReportContext:
    scope_name: str
    period: Period
    quiz: Quiz
    locale: str


def reliable_only_note() -> str:
    """What the bands, specialisations and averages leave out, said once for all views."""
    return _(
        "Suitability, recommendations and the average profile count reliable results only:"
        " answers flagged as careless (same position, too fast, contradictory) are left out."
    )


def period_name(period: Period) -> str:
    return {
        Period.WEEK: _("last 7 days"),
        Period.MONTH: _("last 30 days"),
        Period.ALL: _("all time"),
    }[period]


def hidden_text(report: StatsReport) -> str:
    return f"<{report.min_group}"


def _plain(value: int | None, report: StatsReport) -> str:
    return hidden_text(report) if value is None else str(value)


def _n(value: int | None, report: StatsReport) -> str:
    """A count for an HTML message: "<10" escaped."""
    return html.quote(_plain(value, report))


def _percent(share: float | None, report: StatsReport) -> str:
    return html.quote(hidden_text(report)) if share is None else f"{round(share * 100)}%"


def _short(text: str, limit: int = LABEL_LIMIT) -> str:
    plain = re.sub(r"<[^>]+>", "", text)
    plain = re.sub(r"\s+", " ", plain).strip()
    return plain if len(plain) <= limit else plain[: limit - 1].rstrip() + "…"


def screen_labels(quiz: Quiz, locale: str) -> dict[str, str]:
    """'Q3 · A client writes…' for questions, 'Info · …' for info screens."""
    labels: dict[str, str] = {}
    number = 0
    for node_id in quiz.graph.topological:
        node = quiz.graph.nodes[node_id]
        if isinstance(node, QuestionNode):
            number += 1
            labels[node_id] = _("Q{number} · {text}").format(
                number=number, text=_short(node.text.get(locale))
            )
        elif isinstance(node, InfoNode):
            labels[node_id] = "ℹ️ " + _short(node.text.get(locale))
    return labels


def _band_names(quiz: Quiz, locale: str) -> dict[str, str]:
    return {band.id: _short(band.title.get(locale), 40) for band in quiz.outcomes.bands}


def _spec_names(quiz: Quiz, locale: str) -> dict[str, str]:
    return {s.id: _short(s.name.get(locale), 40) for s in quiz.outcomes.specialisations}


def _trait_names(quiz: Quiz, locale: str) -> dict[str, str]:
    return {t.id: t.name.get(locale) for t in quiz.traits}


def report_text(report: StatsReport, ctx: ReportContext) -> str:
    """The short text under the chart."""
    hide = html.quote(hidden_text(report))
    lines = [
        f"📊 <b>{html.quote(ctx.scope_name)}</b> · {period_name(ctx.period)}",
        "",
        _("Started the quiz: {started} · finished: {finished} ({rate})").format(
            started=_n(report.started, report),
            finished=_n(report.finished, report),
            rate=_percent(report.completion, report),
        ),
        _("Result reliable: {reliable} · may be inaccurate (careless answering): {flagged}").format(
            reliable=_n(report.reliable, report), flagged=_n(report.flagged, report)
        ),
    ]
    if report.median_minutes is not None:
        lines.append(
            _("Median time to finish: {minutes} min").format(
                minutes=max(1, round(report.median_minutes))
            )
        )
    bands = _band_names(ctx.quiz, ctx.locale)
    lines.append(
        _("Suitability: {parts}").format(
            parts=" · ".join(
                f"{html.quote(bands.get(key, key))} {_n(value, report)}"
                for key, value in report.bands.parts.items()
            )
        )
    )
    specs = _spec_names(ctx.quiz, ctx.locale)
    lines.append(
        _("Recommended: {parts}").format(
            parts=" · ".join(
                f"{html.quote(specs.get(key, key))} {_n(value, report)}"
                for key, value in report.specialisations.parts.items()
            )
        )
    )
    lines.append(
        _("Tips: {share} of those who finished subscribed · 👍 {useful} · 🤷 {nope}").format(
            share=_percent(report.subscriptions.share(SUBSCRIBED), report),
            useful=_n(report.feedback.get("useful", 0), report),
            nope=_n(report.feedback.get("not_for_me", 0), report),
        )
    )
    worst = _hardest_screen(report, ctx)
    if worst is not None:
        lines.append(worst)
    lines += ["", reliable_only_note()]
    if report.hidden:
        lines += [
            "",
            _("{hidden} — fewer than {k} students: hidden to protect their privacy.").format(
                hidden=hide, k=report.min_group
            ),
        ]
    return "\n".join(lines)


def _hardest_screen(report: StatsReport, ctx: ReportContext) -> str | None:
    """The screen answered by the smallest share of those who reached it (shown numbers)."""
    labels = screen_labels(ctx.quiz, ctx.locale)
    rates = [
        (line.answered / line.reached, line.node_id)
        for line in report.dropoff
        if line.reached and line.answered is not None
    ]
    if not rates:
        return None
    rate, node_id = min(rates)
    if rate >= 1:
        return _("Drop-off: every screen was answered by all who reached it.")
    return _("Most students stop at: {screen} ({rate} answered)").format(
        screen=html.quote(labels.get(node_id, node_id)), rate=f"{round(rate * 100)}%"
    )


def chart_input(report: StatsReport, ctx: ReportContext) -> StatsChartInput:
    bands = _band_names(ctx.quiz, ctx.locale)
    specs = _spec_names(ctx.quiz, ctx.locale)
    traits = _trait_names(ctx.quiz, ctx.locale)
    labels = screen_labels(ctx.quiz, ctx.locale)
    return StatsChartInput(
        title=ctx.scope_name,
        subtitle=_(
            "{period} · started: {started} · finished: {finished},"
            " of them may be inaccurate: {flagged}"
        ).format(
            period=period_name(ctx.period),
            started=_plain(report.started, report),
            finished=_plain(report.finished, report),
            flagged=_plain(report.flagged, report),
        ),
        bands_title=_("Suitability bands, reliable results"),
        bands=tuple(LabelledCount(bands.get(k, k), v) for k, v in report.bands.parts.items()),
        specialisations_title=_("Recommended specialisations, reliable results"),
        specialisations=tuple(
            LabelledCount(specs.get(k, k), v) for k, v in report.specialisations.parts.items()
        ),
        traits_title=_("Average profile of reliable results, 0–100"),
        traits=tuple(
            TraitComparison(traits.get(t.trait_id, t.trait_id), t.centre, t.everyone)
            for t in report.traits
        ),
        centre_legend=ctx.scope_name,
        everyone_legend=_("All students"),
        dropoff_title=_("Drop-off: reached and answered, per screen"),
        dropoff=tuple(
            DropoffRow(labels.get(line.node_id, line.node_id), line.reached, line.answered)
            for line in report.dropoff
        ),
        reached_legend=_("reached"),
        answered_legend=_("answered"),
        hidden_note=_("Groups of fewer than {k} students are not shown.").format(
            k=report.min_group
        ),
    )


def csv_rows(report: StatsReport, ctx: ReportContext, generated: datetime) -> list[Sequence[Cell]]:
    """Long format: section; item; measure; value. Hidden values stay None ("<10")."""
    bands = _band_names(ctx.quiz, ctx.locale)
    specs = _spec_names(ctx.quiz, ctx.locale)
    traits = _trait_names(ctx.quiz, ctx.locale)
    labels = screen_labels(ctx.quiz, ctx.locale)
    about, summary = _("About"), _("Summary")
    rows: list[Sequence[Cell]] = [
        (_("Section"), _("Item"), _("Measure"), _("Value")),
        (about, _("Scope"), "", ctx.scope_name),
        (about, _("Period"), "", period_name(ctx.period)),
        (about, _("Generated"), "", generated.strftime("%Y-%m-%d %H:%M")),
        (
            about,
            _("Hidden"),
            "",
            _("{hidden} = fewer than {k} students").format(
                hidden=hidden_text(report), k=report.min_group
            ),
        ),
        (about, _("Results counted"), "", reliable_only_note()),
        (summary, _("Students"), _("started"), report.started),
        (summary, _("Students"), _("finished"), report.funnel.parts[FINISHED]),
        (summary, _("Students"), _("not finished"), report.funnel.parts[UNFINISHED]),
        (summary, _("Finished"), _("result reliable"), report.results.parts[RELIABLE]),
        (summary, _("Finished"), _("may be inaccurate"), report.results.parts[FLAGGED]),
        (
            summary,
            _("Completion"),
            "%",
            None if report.completion is None else report.completion * 100,
        ),
        (summary, _("Median time to finish"), _("minutes"), report.median_minutes),
    ]
    rows += [
        (_("Suitability bands"), bands.get(k, k), _("students"), v)
        for k, v in report.bands.parts.items()
    ]
    rows += [
        (_("Recommended specialisations"), specs.get(k, k), _("students"), v)
        for k, v in report.specialisations.parts.items()
    ]
    for trait in report.traits:
        name = traits.get(trait.trait_id, trait.trait_id)
        rows.append((_("Average profile"), name, ctx.scope_name, trait.centre))
        rows.append((_("Average profile"), name, _("All students"), trait.everyone))
    tips = _("Tips")
    rows += [
        (tips, _("Subscribed"), _("students"), report.subscriptions.parts[SUBSCRIBED]),
        (tips, _("Not subscribed"), _("students"), report.subscriptions.parts[NOT_SUBSCRIBED]),
        (tips, "👍", _("feedback"), report.feedback.get("useful", 0)),
        (tips, "🤷", _("feedback"), report.feedback.get("not_for_me", 0)),
    ]
    dropoff = _("Drop-off")
    for line in report.dropoff:
        label = labels.get(line.node_id, line.node_id)
        rows.append((dropoff, label, _("reached"), line.reached))
        rows.append((dropoff, label, _("answered"), line.answered))
    return rows
