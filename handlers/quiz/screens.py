"""What the student sees during the quiz: texts and keyboards, built from the engine's
state in the current locale. No I/O here."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain import Attempt
from bot.quiz import InfoNode, QuestionNode, Quiz, QuizRun
from bot.quiz.order import shown_options
from bot.quiz.snapshot import StoredProfile
from handlers.quiz.callbacks import Act, Menu, QuizCb, QuizMenuCb, ResultCb

# Option texts longer than this are listed in the message and pressed by number:
# Telegram cuts long button labels on phones.
BUTTON_TEXT_LIMIT = 28
BAR_CELLS = 10


def progress_line(run: QuizRun) -> str:
    """ "Question 7 of 13" once the path's length is known; "of 13–15" while the branches
    still differ, so the total never jumps outside what was shown."""
    number, most = run.progress
    fewest = most - (run.remaining[1] - run.remaining[0])
    if fewest == most:
        return _("Question {number} of {total}").format(number=number, total=most)
    return _("Question {number} of {fewest}–{most}").format(number=number, fewest=fewest, most=most)


def _numbered(node: QuestionNode, locale: str) -> bool:
    return any(len(option.text.get(locale)) > BUTTON_TEXT_LIMIT for option in node.options)


def node_screen(run: QuizRun, attempt: Attempt, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """The current question or info node, with its buttons."""
    node = run.current
    builder = InlineKeyboardBuilder()

    def press(act: Act, option: str = "") -> str:
        return QuizCb(
            act=act, attempt=attempt.id, step=attempt.step, node=node.id, option=option
        ).pack()

    if isinstance(node, QuestionNode):
        text = f"<i>{progress_line(run)}</i>\n\n{html.quote(node.text.get(locale).strip())}"
        options = shown_options(node, attempt.option_seed)
        if _numbered(node, locale):
            lines = [
                f"{number}. {html.quote(option.text.get(locale))}"
                for number, option in enumerate(options, start=1)
            ]
            text += "\n\n" + "\n".join(lines)
            for number, option in enumerate(options, start=1):
                builder.button(text=str(number), callback_data=press(Act.ANSWER, option.id))
            builder.adjust(len(options))
        else:
            for option in options:
                builder.button(
                    text=option.text.get(locale), callback_data=press(Act.ANSWER, option.id)
                )
            builder.adjust(1)
    elif isinstance(node, InfoNode):
        text = html.quote(node.text.get(locale).strip())
        label = node.button.get(locale) if node.button else _("Continue")
        builder.button(text=f"{label} ▶", callback_data=press(Act.CONTINUE))
        builder.adjust(1)
    else:  # a result node is shown by result_text, never as a step
        raise ValueError(f"node {node.id!r} is not a step")

    controls = InlineKeyboardBuilder()
    if run.can_go_back:
        controls.button(text=_("◀ Back"), callback_data=press(Act.BACK))
    controls.button(text=_("⏸ Pause"), callback_data=press(Act.PAUSE))
    builder.attach(controls)
    return text, builder.as_markup()


def answered_text(node: QuestionNode, option_id: str, locale: str) -> str:
    """The question as it stays in the chat after the answer, with the explanation."""
    option = node.option(option_id)
    chosen = option.text.get(locale) if option else option_id
    text = f"{html.quote(node.text.get(locale).strip())}\n\n" + _("Your answer: {answer}").format(
        answer=f"<b>{html.quote(chosen)}</b>"
    )
    explanation = node.explanation_for(option_id)
    if explanation is not None:
        text += "\n\n💡 " + html.quote(explanation.get(locale).strip())
    return text


def next_question_number(run: QuizRun) -> int:
    """The number of the question the student meets next (on an info node too)."""
    return run.questions_answered + 1


def paused_text(run: QuizRun, locale: str) -> str:
    number = next_question_number(run)
    return _(
        "The quiz is paused at question {number}. Send /quiz whenever you want to go on:"
        " your answers are saved."
    ).format(number=number)


def intro_text(quiz: Quiz, locale: str) -> str:
    return f"<b>{html.quote(quiz.title.get(locale))}</b>\n\n{html.quote(quiz.intro.get(locale))}"


def start_keyboard(has_results: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Take the quiz"), callback_data=QuizMenuCb(action=Menu.START))
    if has_results:
        builder.button(text=_("My results"), callback_data=QuizMenuCb(action=Menu.RESULTS))
    builder.adjust(1)
    return builder.as_markup()


def resume_offer(run: QuizRun) -> tuple[str, InlineKeyboardMarkup]:
    number = next_question_number(run)
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Continue from question {number}").format(number=number),
        callback_data=QuizMenuCb(action=Menu.RESUME),
    )
    builder.button(text=_("Start over"), callback_data=QuizMenuCb(action=Menu.RESTART))
    builder.adjust(1)
    return _("You have a quiz in progress."), builder.as_markup()


def outdated_text() -> str:
    return _(
        "The quiz has been updated since you started it, so let's begin again from the"
        " start. It takes about five minutes."
    )


# --- results ------------------------------------------------------------------------------


def bar(score: int | None) -> str:
    if score is None:
        return "—"
    filled = round(score / 100 * BAR_CELLS)
    return "▰" * filled + "▱" * (BAR_CELLS - filled) + f" {score}"


def band_title(quiz: Quiz, band_id: str, locale: str) -> str:
    """A band's title; its id for a band an older quiz file had."""
    try:
        return quiz.outcomes.band(band_id).title.get(locale)
    except KeyError:
        return band_id


def _trait_name(quiz: Quiz, trait_id: str, locale: str) -> str:
    try:
        return quiz.trait(trait_id).name.get(locale)
    except KeyError:
        return trait_id


def result_text(
    quiz: Quiz, profile: StoredProfile, previous: StoredProfile | None, locale: str
) -> str:
    """The whole result: band, scores, strengths, growth areas, specialisation, next steps."""
    outcomes = quiz.outcomes
    parts: list[str] = []
    try:
        band = outcomes.band(profile.band)
        parts.append(f"🎯 <b>{html.quote(band.title.get(locale))}</b>")
        parts.append(html.quote(band.text.get(locale).strip()))
    except KeyError:
        parts.append(f"🎯 <b>{html.quote(profile.band)}</b>")

    lines = ["<b>" + _("Your profile") + "</b>"]
    for trait in quiz.traits:
        score = profile.scores.get(trait.id)
        lines.append(f"{html.quote(trait.name.get(locale))}\n<code>{bar(score)}</code>")
    parts.append("\n".join(lines))

    if profile.strengths:
        names = ", ".join(_trait_name(quiz, t, locale) for t in profile.strengths)
        parts.append(_("💪 Strengths: {names}").format(names=html.quote(names)))
    if profile.growth_areas:
        names = ", ".join(_trait_name(quiz, t, locale) for t in profile.growth_areas)
        parts.append(_("🌱 Growth areas: {names}").format(names=html.quote(names)))

    try:
        best = outcomes.specialisation(profile.recommended)
        fit = profile.fits.get(best.id)
        heading = _("🧭 Recommended specialisation: {name}").format(
            name=html.quote(best.name.get(locale))
        )
        if fit is not None:
            heading += " " + _("(fit {fit}%)").format(fit=fit)
        others = [
            f"{html.quote(s.name.get(locale))} — {profile.fits[s.id]}%"
            for s in outcomes.specialisations
            if s.id != best.id and s.id in profile.fits
        ]
        block = [f"<b>{heading}</b>", html.quote(best.why.get(locale).strip())]
        best_fit = profile.fits.get(best.id, 0)
        if profile.interest == best.id and any(f > best_fit for f in profile.fits.values()):
            block.append(_("You said this direction interests you most, so it comes first."))
        if others:
            block.append(_("Other specialisations: {list}").format(list="; ".join(others)))
        block.append("📚 " + html.quote(best.learn.get(locale).strip()))
        parts.append("\n".join(block))
    except KeyError:
        pass

    result_nodes = [n for n in quiz.nodes if n.kind == "result"]
    if result_nodes:
        parts.append(html.quote(result_nodes[0].text.get(locale).strip()))

    if previous is not None:
        parts.append(change_text(quiz, profile, previous, locale))
    return "\n\n".join(parts)


def change_text(quiz: Quiz, profile: StoredProfile, previous: StoredProfile, locale: str) -> str:
    """How the profile moved since the previous attempt."""
    lines = ["<b>" + _("Since your previous attempt") + "</b>"]
    for trait in quiz.traits:
        now, before = profile.scores.get(trait.id), previous.scores.get(trait.id)
        if now is None or before is None:
            continue
        delta = now - before
        sign = "+" if delta > 0 else ""
        mark = "↑" if delta > 0 else "↓" if delta < 0 else "="
        lines.append(
            f"{mark} {html.quote(trait.name.get(locale))}: {before} → {now}"
            + (f" ({sign}{delta})" if delta else "")
        )
    if profile.overall is not None and previous.overall is not None:
        lines.append(
            _("Overall: {before} → {now}").format(before=previous.overall, now=profile.overall)
        )
    return "\n".join(lines)


def result_keyboard(share_url: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📬 Get learning tips"), callback_data=QuizMenuCb(action=Menu.TIPS))
    builder.button(text=_("🔁 Retake the quiz"), callback_data=QuizMenuCb(action=Menu.RESTART))
    builder.button(text=_("📤 Share the bot"), url=share_url)
    builder.adjust(1)
    return builder.as_markup()


def results_list(
    quiz: Quiz, rows: list[Attempt], tz: ZoneInfo, locale: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not rows:
        builder = InlineKeyboardBuilder()
        builder.button(text=_("Take the quiz"), callback_data=QuizMenuCb(action=Menu.START))
        return _("You have no finished attempts yet."), builder.as_markup()
    builder = InlineKeyboardBuilder()
    lines = ["<b>" + _("Your results") + "</b>"]
    for row in rows:
        profile = StoredProfile.from_dict(row.profile) if row.profile else None
        when = _local_date(row.finished_at or row.updated_at, tz)
        band = band_title(quiz, profile.band, locale) if profile else "?"
        lines.append(f"• {when} — {html.quote(band)}")
        builder.button(text=when, callback_data=ResultCb(attempt=row.id))
    builder.adjust(2)
    lines.append("")
    lines.append(_("Press a date to open that result."))
    return "\n".join(lines), builder.as_markup()


def _local_date(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")
