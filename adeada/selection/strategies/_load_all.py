"""Importing this module registers every built-in strategy."""

from . import aada, adeada, badge, clue, redal, uncertainty  # noqa: F401
