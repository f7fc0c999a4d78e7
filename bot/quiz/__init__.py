"""The quiz engine: quiz files, their checker, taking a quiz, and scoring it.

Plain Python on purpose: no aiogram, no database, no event loop. The bot stores an
attempt as its answers and replays them through :class:`QuizRun`. Quiz files are
content files of ``kind: quiz`` (:data:`QUIZ_KIND`); the machinery they share with
other kinds is :mod:`bot.content`.
"""

from bot.quiz.errors import (
    NotAnInfoNode,
    NotAQuestion,
    NotCurrentNode,
    NothingToUndo,
    QuizFinished,
    QuizNotFinished,
    QuizRunError,
    ReplayError,
    UnknownOption,
)
from bot.quiz.kind import QUIZ_KIND
from bot.quiz.loader import load_quiz, load_quizzes
from bot.quiz.models import (
    CONTINUE,
    LOCALES,
    Band,
    InfoNode,
    LocalizedText,
    Option,
    QuestionNode,
    Quiz,
    ResultNode,
    Specialisation,
    Trait,
)
from bot.quiz.runner import Answer, Progress, QuizRun
from bot.quiz.scoring import Profile, SpecialisationFit, TraitScore

__all__ = [
    "CONTINUE",
    "LOCALES",
    "QUIZ_KIND",
    "Answer",
    "Band",
    "InfoNode",
    "LocalizedText",
    "NotAQuestion",
    "NotAnInfoNode",
    "NotCurrentNode",
    "NothingToUndo",
    "Option",
    "Profile",
    "Progress",
    "QuestionNode",
    "Quiz",
    "QuizFinished",
    "QuizNotFinished",
    "QuizRun",
    "QuizRunError",
    "ReplayError",
    "ResultNode",
    "Specialisation",
    "SpecialisationFit",
    "Trait",
    "TraitScore",
    "UnknownOption",
    "load_quiz",
    "load_quizzes",
]
