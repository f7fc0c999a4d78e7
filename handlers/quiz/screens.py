"""What the student sees during the quiz: texts and keyboards, built from the engine's
state in the current locale. No I/O here."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain import Attempt
from bot.quiz import InfoNode, QuestionNode, Quiz, QuizRun, ResultNode, Specialisation
from bot.quiz.order import shown_options
from bot.quiz.snapshot import StoredProfile
from handlers.quiz.callbacks import Act, Menu, Part, QuizCb, QuizMenuCb, ResultCb

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
    """The current question or info node, with its buttons.

    Shown on every press, so the keyboard is built as rows of buttons directly: the
    keyboard builder deep-copies every button on each `button` and on `as_markup`,
    which cost more than the rest of the screen.
    """
    node = run.current
    rows: list[list[InlineKeyboardButton]] = []

    def press(text: str, act: Act, option: str = "") -> InlineKeyboardButton:
        data = QuizCb(act=act, attempt=attempt.id, step=attempt.step, node=node.id, option=option)
        return InlineKeyboardButton(text=text, callback_data=data.pack())

    if isinstance(node, QuestionNode):
        text = f"<i>{progress_line(run)}</i>\n\n{html.quote(node.text.get(locale).strip())}"
        options = shown_options(node, attempt.option_seed)
        if _numbered(node, locale):
            lines = [
                f"{number}. {html.quote(option.text.get(locale))}"
                for number, option in enumerate(options, start=1)
            ]
            text += "\n\n" + "\n".join(lines)
            numbers = [
                press(str(number), Act.ANSWER, option.id)
                for number, option in enumerate(options, start=1)
            ]
            rows.append(numbers)
        else:
            for option in options:
                rows.append([press(option.text.get(locale), Act.ANSWER, option.id)])
    elif isinstance(node, InfoNode):
        text = html.quote(node.text.get(locale).strip())
        label = node.button.get(locale) if node.button else _("Continue")
        rows.append([press(f"{label} ▶", Act.CONTINUE)])
    else:  # a result node is shown by result_text, never as a step
        raise ValueError(f"node {node.id!r} is not a step")

    controls = [press(_("⏸ Pause"), Act.PAUSE)]
    if run.can_go_back:
        controls.insert(0, press(_("◀ Back"), Act.BACK))
    rows.append(controls)
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def answered_text(node: QuestionNode, option_id: str, locale: str) -> str:
    """The question as it stays in the chat after the answer. Explanations wait for the
    review after the result: shown now, they would tell how to answer the next ones."""
    option = node.option(option_id)
    chosen = option.text.get(locale) if option else option_id
    return f"{html.quote(node.text.get(locale).strip())}\n\n" + _("Your answer: {answer}").format(
        answer=f"<b>{html.quote(chosen)}</b>"
    )


def review_text(quiz: Quiz, answers: list[tuple[str, str]], locale: str) -> str:
    """The review ("разбор") opened from the result: each situation answered, the answer
    and what each way gains and costs."""
    parts = ["<b>" + _("Review of your answers") + "</b>"]
    for node_id, option_id in answers:
        node = quiz.nodes_by_id.get(node_id)
        if not isinstance(node, QuestionNode):
            continue
        explanation = node.explanation_for(option_id)
        if explanation is None:
            continue
        option = node.option(option_id)
        chosen = option.text.get(locale) if option else option_id
        question = node.text.get(locale).strip().splitlines()[0]
        parts.append(
            f"❓ {html.quote(question)}\n"
            + _("Your answer: {answer}").format(answer=f"<b>{html.quote(chosen)}</b>")
            + f"\n💡 {html.quote(explanation.get(locale).strip())}"
        )
    if len(parts) == 1:
        parts.append(_("This attempt has nothing to review."))
    return "\n\n".join(parts)


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


FLAG_REASONS = {
    "same_position": lambda: _("almost every answer was in the same place on the screen"),
    "too_fast": lambda: _("many answers came faster than the questions can be read"),
    "contradictory": lambda: _("some answers contradict each other"),
}


def flag_text(profile: StoredProfile) -> str | None:
    """The plain warning on a result that careless answering may have spoiled."""
    if not profile.flags:
        return None
    reasons = "; ".join(FLAG_REASONS[f]() for f in profile.flags if f in FLAG_REASONS)
    return (
        "⚠️ <b>"
        + _("The result may be inaccurate")
        + "</b>: "
        + html.quote(reasons)
        + ". "
        + _("Take the quiz again when you have a calm five minutes.")
    )


def _names(quiz: Quiz, trait_ids: tuple[str, ...], locale: str) -> str:
    return ", ".join(_trait_name(quiz, t, locale) for t in trait_ids)


def why_text(quiz: Quiz, profile: StoredProfile, best: Specialisation, locale: str) -> str:
    """Why this specialisation, from the student's own scores on what it weighs most."""
    fit = profile.fits.get(best.id, 0)
    weighed = sorted(
        (
            (weight * score, trait_id, score)
            for trait_id, weight in best.weights.items()
            if weight and (score := profile.scores.get(trait_id)) is not None
        ),
        reverse=True,
    )[:2]
    shown = ", ".join(
        f"{_trait_name(quiz, t, locale).lower()} — {score}" for _w, t, score in weighed
    )
    lines = [html.quote(best.why.get(locale).strip())]
    if shown:
        lines.append(_("Your scores on it: {scores}.").format(scores=html.quote(shown)))
    top = max(profile.fits.items(), key=lambda item: item[1], default=(best.id, fit))
    if top[0] != best.id and top[1] > fit:
        other = quiz.outcomes.specialisation(top[0]).name.get(locale)
        lines.append(
            _(
                "You chose its tasks most often; by your qualities {other} fits a little better"
                " ({fit}%)."
            ).format(other=html.quote(other), fit=top[1])
        )
    if fit < FIT_CONFIDENT:
        lines.append(_("No specialisation fits clearly yet: this one is the closest."))
    return "\n".join(lines)


FIT_CONFIDENT = 50
"""Below this fit the recommendation says it is only the closest one."""


def result_text(quiz: Quiz, profile: StoredProfile, locale: str) -> str:
    """The first screen of a result: warning, band, strengths, growth areas, and the
    recommendation with why. Pay, career, what to learn and the review are behind buttons."""
    outcomes = quiz.outcomes
    parts: list[str] = []
    warning = flag_text(profile)
    if warning:
        parts.append(warning)
    try:
        band = outcomes.band(profile.band)
        parts.append(
            f"🎯 <b>{html.quote(band.title.get(locale))}</b>\n"
            + html.quote(band.text.get(locale).strip())
        )
    except KeyError:
        parts.append(f"🎯 <b>{html.quote(profile.band)}</b>")
    lines = []
    if profile.strengths:
        names = _names(quiz, profile.strengths, locale)
        lines.append(_("💪 Strengths: {names}").format(names=html.quote(names)))
    if profile.growth_areas:
        names = _names(quiz, profile.growth_areas, locale)
        lines.append(_("🌱 Growth areas: {names}").format(names=html.quote(names)))
    else:
        lines.append(_("🌱 No clear growth areas: every quality scored 50 or more."))
    parts.append("\n".join(lines))
    try:
        best = outcomes.specialisation(profile.recommended)
    except KeyError:
        return "\n\n".join(parts)
    heading = _("🧭 Recommended specialisation: {name}").format(
        name=html.quote(best.name.get(locale))
    )
    fit = profile.fits.get(best.id)
    if fit is not None:
        heading += " " + _("(fit {fit}%)").format(fit=fit)
    parts.append(f"<b>{heading}</b>\n" + why_text(quiz, profile, best, locale))
    return "\n\n".join(parts)


def pay_text(quiz: Quiz, locale: str) -> str:
    result = next((n for n in quiz.nodes if isinstance(n, ResultNode)), None)
    paragraphs = [t.get(locale).strip() for t in (result.pay, result.career) if t] if result else []
    return "\n\n".join(html.quote(p) for p in paragraphs) or _("Nothing here yet.")


def learn_text(quiz: Quiz, profile: StoredProfile, locale: str) -> str:
    paragraphs: list[str] = []
    try:
        best = quiz.outcomes.specialisation(profile.recommended)
        paragraphs.append(
            f"📚 <b>{html.quote(best.name.get(locale))}</b>: "
            + html.quote(best.learn.get(locale).strip())
        )
    except KeyError:
        pass
    result = next((n for n in quiz.nodes if isinstance(n, ResultNode)), None)
    if result is not None:
        paragraphs.append(html.quote(result.text.get(locale).strip()))
    return "\n\n".join(paragraphs)


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


def result_keyboard(attempt_id: int, share_url: str, has_previous: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🔍 Review of answers"), callback_data=ResultCb(attempt=attempt_id, part=Part.REVIEW)
    )
    builder.button(
        text=_("💰 Pay and career"), callback_data=ResultCb(attempt=attempt_id, part=Part.PAY)
    )
    builder.button(
        text=_("📚 What to learn"), callback_data=ResultCb(attempt=attempt_id, part=Part.LEARN)
    )
    if has_previous:
        builder.button(
            text=_("📈 Since last time"),
            callback_data=ResultCb(attempt=attempt_id, part=Part.CHANGE),
        )
    builder.button(text=_("📬 Get learning tips"), callback_data=QuizMenuCb(action=Menu.TIPS))
    builder.button(text=_("🔁 Retake the quiz"), callback_data=QuizMenuCb(action=Menu.RESTART))
    builder.button(text=_("📤 Share the bot"), url=share_url)
    builder.adjust(1, 2, 1)
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
