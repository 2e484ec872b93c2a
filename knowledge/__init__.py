"""Curated Kazakh/Russian knowledge base and the matcher over it.

Knows nothing of chats, channels or databases: entries are loaded from files,
indexed once and matched by pure functions.
"""

from knowledge.loader import KnowledgeError, Problem, check_base, load_base
from knowledge.matcher import Matcher
from knowledge.model import Action, Category, Entry, KnowledgeBase, Lang, Source
from knowledge.policy import Decision, DecisionKind, Thresholds

__all__ = [
    "Action",
    "Category",
    "Decision",
    "DecisionKind",
    "Entry",
    "KnowledgeBase",
    "KnowledgeError",
    "Lang",
    "Matcher",
    "Problem",
    "Source",
    "Thresholds",
    "check_base",
    "load_base",
]
