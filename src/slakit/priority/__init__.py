"""Priorities, the impact x urgency matrix and keyword classification of tickets."""

from slakit.priority.levels import Priority

__all__ = ["Priority"]
