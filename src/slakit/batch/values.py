"""An export's values matched to slakit's: the one way two values are compared, and ``value_map``.

Helpdesks spell the same value many ways: Zendesk exports ``Urgent``, ``High``, ``Normal`` where a
policy has ``P1``-``P3``; a full-width ``Ｐ１`` is ``P1`` typed with a Chinese input method. Values are
compared after :func:`fold`: NFKC normalisation (full-width letters and digits become ASCII) and case
folding. ``value_map`` maps a file's values of ``priority``, ``channel`` and ``category`` to the ones
slakit should count (docs/report.md, "Values").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slakit.errors import ConfigError, UnknownPriorityError

if TYPE_CHECKING:
    from slakit.sla import Policy

__all__ = ["VALUE_MAP_COLUMNS", "Priorities", "ValueMap", "fold", "map_value"]

VALUE_MAP_COLUMNS = ("priority", "channel", "category")
"""The columns whose values ``value_map`` maps."""


def fold(text: str) -> str:
    """``text`` as values are compared: stripped, NFKC-normalised (``Ｐ１`` is ``P1``) and case-folded."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


@dataclass(frozen=True, slots=True)
class ValueMap:
    """A checked ``value_map``: per column, each file value (folded) and the value it stands for.

    Build it with :meth:`of`. A value the map does not name is kept as it is.
    """

    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, value_map: Mapping[str, Mapping[str, str]] | ValueMap | None) -> ValueMap:
        """``value_map`` checked: columns among :data:`VALUE_MAP_COLUMNS`, text values, no file value twice.

        Two file values that fold to the same (``High`` and ``HIGH``) must map to the same value.
        Raises :class:`~slakit.errors.ConfigError` naming what is wrong.
        """
        if isinstance(value_map, ValueMap):
            return value_map
        if value_map is None:
            return cls()
        if not isinstance(value_map, Mapping):
            expected = "a mapping of column to {file value: value}, e.g. {'priority': {'Urgent': 'P1'}}"
            raise ConfigError.for_value("value_map", value_map, expected)
        columns: dict[str, dict[str, str]] = {}
        for column, values in value_map.items():
            if column not in VALUE_MAP_COLUMNS:
                raise ConfigError.for_value("value_map", column, f"a column among {', '.join(VALUE_MAP_COLUMNS)}")
            if not isinstance(values, Mapping):
                raise ConfigError.for_value(f"value_map.{column}", values, "a mapping of file value to value")
            mapped: dict[str, str] = {}
            for source, target in values.items():
                _check_text(f"value_map.{column}", source)
                _check_text(f"value_map.{column}.{source}", target)
                key, value = fold(source), target.strip()
                if mapped.get(key, value) != value:
                    raise ConfigError(
                        f"'value_map.{column}' maps {source!r} to {value!r} and a value that differs from it only "
                        f"in case or width to {mapped[key]!r}; values are matched ignoring case and width",
                        path=f"value_map.{column}",
                    )
                mapped[key] = value
            if mapped:
                columns[column] = mapped
        return cls(columns)

    def __bool__(self) -> bool:
        return bool(self.columns)

    def get(self, column: str) -> Mapping[str, str] | None:
        """The map of one column (file value folded -> value), or None when the column is not mapped."""
        return self.columns.get(column)

    def targets(self, column: str) -> tuple[str, ...]:
        """The values a column's file values are mapped to, each once, in the order given."""
        return tuple(dict.fromkeys(self.columns.get(column, {}).values()))


def map_value(mapping: Mapping[str, str] | None, value: str | None) -> str | None:
    """``value`` (stripped, or None) as ``mapping`` (one column of a :class:`ValueMap`) maps it, else as it is."""
    if mapping is None or value is None:
        return value
    return mapping.get(fold(value), value)


def _check_text(where: str, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError.for_value(where, value, "a non-empty text")


@dataclass(frozen=True, slots=True)
class Priorities:
    """How a ticket's priority text finds a priority of a policy: the one rule every input goes through.

    A code (``P1``) is itself; a priority's name (``紧急``) is its code when exactly one priority has that
    name; otherwise the text is compared :func:`fold`-ed (ignoring case and width: ``p1``, ``Ｐ１``,
    ``URGENT`` for a priority named ``Urgent``) with every code and name, and is that priority's when
    exactly one priority matches. Build it with :meth:`of`.
    """

    codes: tuple[str, ...]
    names: tuple[str, ...]
    exact: Mapping[str, str]
    folded: Mapping[str, str]

    @classmethod
    def of(cls, policy: Policy) -> Priorities:
        """The priorities of an SLA policy."""
        by_name: dict[str, set[str]] = {}
        by_fold: dict[str, set[str]] = {}
        for code, priority in policy.priorities.items():
            by_name.setdefault(priority.name, set()).add(code)
            for text in (code, priority.name):
                by_fold.setdefault(fold(text), set()).add(code)
        exact = {code: code for code in policy.priorities}
        for name, codes in by_name.items():
            if len(codes) == 1 and name not in exact:
                exact[name] = next(iter(codes))
        folded = {key: next(iter(codes)) for key, codes in by_fold.items() if len(codes) == 1}
        names = tuple(dict.fromkeys(priority.name for priority in policy.priorities.values()))
        return cls(tuple(policy.priorities), names, exact, folded)

    def code(self, value: str) -> str:
        """The code of the priority ``value`` names; :class:`~slakit.errors.UnknownPriorityError` if none does."""
        code = self.exact.get(value)
        if code is None:
            code = self.folded.get(fold(value)) if isinstance(value, str) else None
            if code is None:
                raise UnknownPriorityError(
                    f"'priority' must be one of {', '.join(self.codes)} (got {value!r:.60}): a code or a name "
                    f"({', '.join(self.names)}) of the policy's priorities, in any case and width; map other values "
                    f"with value_map={{'priority': {{{value!r:.30}: {self.codes[0]!r}}}}} "
                    f"(--map-values 'priority:{str(value)[:30]}={self.codes[0]}')"
                )
        return code

    def check(self, values: ValueMap) -> None:
        """Raise :class:`~slakit.errors.ConfigError` when ``values`` maps a priority to one the policy does not have."""
        for target in values.targets("priority"):
            try:
                self.code(target)
            except UnknownPriorityError:
                raise ConfigError(
                    f"'value_map.priority' maps a value to {target!r}, which is no priority of the policy: give a "
                    f"code ({', '.join(self.codes)}) or a name ({', '.join(self.names)})",
                    path="value_map.priority",
                ) from None
