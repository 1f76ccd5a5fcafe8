"""Reading configuration from a mapping, JSON/YAML/TOML text or a file, and validating it with pydantic.

Every capability (calendar, policy, rules, survey scheme) goes through these two functions so that
all of them accept the same sources and report problems the same way: a :class:`ConfigError` whose
message names the path in the config, the value found there and what would be accepted.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from slakit.errors import ConfigError, shown

ConfigSource = Mapping[str, Any] | str | os.PathLike[str]
"""What ``from_config`` accepts: a mapping, JSON/YAML/TOML text, or a path to such a file."""

ModelT = TypeVar("ModelT", bound=BaseModel)

MAX_NESTING = 100
"""How many levels of lists and mappings a config may nest (the top mapping is level 1)."""

MAX_ALIASED = 100_000
"""How many values YAML aliases (``*name``) may repeat in one document, counted after expansion."""

_SUFFIXES = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}
_FORMAT_NAMES = {"json": "JSON", "yaml": "YAML", "toml": "TOML"}


def load_mapping(source: ConfigSource, *, what: str) -> Mapping[str, Any]:
    """Turn any accepted config source into a mapping; ``what`` names it in errors ("calendar").

    Whatever the source, lists and mappings nested deeper than :data:`MAX_NESTING` are refused.
    """
    if isinstance(source, Mapping):
        check_nesting(source, field=what)
        return source
    if isinstance(source, os.PathLike):
        return load_file(Path(source), what=what)
    if isinstance(source, str):
        try:
            return _parse_text(source, fmt=None, what=what, origin="text")
        except ConfigError as exc:
            if _looks_like_a_path(source):
                raise ConfigError(
                    f"{exc}; a string is read as {what} text, not as a file name: to read the file, pass a path "
                    f"(pathlib.Path({source.strip()!r})) or use the class's .load({source.strip()!r})",
                    path=exc.path,
                    expected=exc.expected,
                ) from None
            raise
    raise ConfigError.for_value(what, source, "a mapping, JSON/YAML/TOML text or a path to such a file")


def _looks_like_a_path(text: str) -> bool:
    """Whether config text that failed to parse is one line naming a config file (by suffix, or an existing file)."""
    line = text.strip()
    if not line or "\n" in line or len(line) > 1024 or "\0" in line:
        return False
    if Path(line).suffix.lower() in _SUFFIXES:
        return True
    try:
        return Path(line).is_file()
    except (OSError, ValueError):
        return False


def load_file(path: Path, *, what: str) -> Mapping[str, Any]:
    """Read a JSON, YAML or TOML file in UTF-8 (a BOM is allowed), choosing the format by suffix
    (sniffing when it has none)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{what} file {shown(str(path))} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
            f"{exc.start}); save it as UTF-8",
            path=what,
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} file {shown(str(path))}: {exc.strerror or exc}") from exc
    return _parse_text(text, fmt=_SUFFIXES.get(path.suffix.lower()), what=what, origin=f"file {shown(str(path))}")


def check_nesting(data: object, *, field: str) -> None:
    """Refuse lists and mappings nested deeper than :data:`MAX_NESTING` in ``data`` (named ``field``).

    The walk is iterative and stops at the first level too deep, so neither a deep structure nor one
    that contains itself can exhaust the stack or loop; a part shared by many others is walked once
    per depth it is met at, so a structure built of shared parts (a "billion laughs" made in Python)
    costs what its distinct parts do.
    """
    met_at: dict[int, int] = {}  # id of a list or mapping -> the smallest depth it was walked at
    inside: set[int] = set()  # ids of the lists and mappings around the one being walked
    stack: list[tuple[object, int, bool]] = [(data, 1, False)]
    while stack:
        value, depth, leaving = stack.pop()
        if leaving:
            inside.discard(id(value))
            continue
        if isinstance(value, Mapping):
            children: Any = value.values()
        elif isinstance(value, list | tuple | set | frozenset):
            children = value
        else:
            continue
        if depth > MAX_NESTING or id(value) in inside:  # one that contains itself is infinitely deep
            raise _too_deep(field, data)
        if met_at.get(id(value), MAX_NESTING + 1) <= depth:
            continue
        met_at[id(value)] = depth
        inside.add(id(value))
        stack.append((value, depth, True))
        stack.extend((child, depth + 1, False) for child in children)


def _too_deep(field: str, value: object, where: str = "") -> ConfigError:
    return ConfigError(
        f"{field!r} nests lists and mappings more than {MAX_NESTING} levels deep{where} (got {shown(value)})",
        path=field,
        expected=f"at most {MAX_NESTING} levels of lists and mappings",
    )


def _parse_text(text: str, *, fmt: str | None, what: str, origin: str) -> Mapping[str, Any]:
    data: Any
    try:
        if fmt == "json" or (fmt is None and text.lstrip().startswith("{")):
            fmt = "json"
            data = json.loads(text)
        elif fmt == "toml":
            data = tomllib.loads(text)
        elif fmt == "yaml":
            data = _load_yaml(text, what=what)
        else:
            data = _sniff(text, what=what, origin=origin)
    except RecursionError:
        raise _too_deep(what, text) from None
    except (ValueError, yaml.YAMLError) as exc:
        if isinstance(exc, ConfigError):
            raise
        kind = _FORMAT_NAMES[fmt] if fmt else "TOML or YAML"
        raise ConfigError(f"{what} {origin} is not valid {kind}: {exc}", path=what) from None
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{what} {origin} must hold a mapping of settings (got {type(data).__name__}: {shown(data)})", path=what
        )
    check_nesting(data, field=what)
    return data


def _sniff(text: str, *, what: str, origin: str) -> Any:
    """TOML first: it fails fast on YAML, while YAML would read most TOML as one plain string.

    So when TOML fails and YAML reads one plain string, the TOML parser's message (with its line
    and column) is what the user needs to see.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as toml_error:
        try:
            data = _load_yaml(text, what=what)
        except (yaml.YAMLError, ValueError) as yaml_error:
            if isinstance(yaml_error, ConfigError):
                raise
            raise ConfigError(
                f"{what} {origin} is neither valid TOML ({toml_error}) nor valid YAML ({yaml_error})", path=what
            ) from None
        if isinstance(data, str):
            raise ConfigError(
                f"{what} {origin} is not valid TOML ({toml_error}), and YAML reads it as one plain string, "
                f"not a mapping of settings (got {shown(text)})",
                path=what,
            ) from None
        return data


def _load_yaml(text: str, *, what: str) -> Any:
    """PyYAML's safe loader, refusing nesting deeper than MAX_NESTING and alias expansion beyond MAX_ALIASED."""
    loader = _BoundedLoader(text, what=what)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


class _BoundedLoader(yaml.SafeLoader):
    """Counts, while the document is composed (before anything is built), how deep its collections
    nest and how many values its aliases repeat, both after expansion: a 300-byte "billion laughs"
    document is refused after reading its first few lines, and nothing nested deeper than the limit
    reaches PyYAML's recursive composer."""

    def __init__(self, text: str, *, what: str) -> None:
        super().__init__(text)
        self._what, self._text = what, text
        self._depth = 0  # collections open around the node being composed
        self._deepest = 0  # deepest level reached, aliases expanded, in the current subtree
        self._count = 0  # values composed so far, aliases expanded
        self._aliased = 0
        self._expanded: dict[yaml.Node, tuple[int, int]] = {}  # node -> (values, levels) when expanded

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        line = self._next_line()
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if node not in self._expanded:
                raise ConfigError(
                    f"{self._what!r} has an alias that contains itself at line {line} (got {shown(self._text)})",
                    path=self._what,
                )
            values, levels = self._expanded[node]
            self._aliased += values
            self._count += values
            self._deepest = max(self._deepest, self._depth + levels)
            if self._aliased > MAX_ALIASED:
                raise ConfigError(
                    f"{self._what!r} has aliases (*name) that repeat more than {MAX_ALIASED:,} values by line "
                    f"{line} (got {shown(self._text)})",
                    path=self._what,
                )
            if self._deepest > MAX_NESTING:
                raise _too_deep(self._what, self._text, f" by line {line}")
            return node
        opens = 1 if self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent) else 0
        if self._depth + opens > MAX_NESTING:
            raise _too_deep(self._what, self._text, f" by line {line}")
        outer_deepest, start = self._deepest, self._count
        self._depth += opens
        self._deepest = self._depth
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= opens
        self._count += 1
        if node is not None:
            self._expanded[node] = (self._count - start, self._deepest - self._depth)
        self._deepest = max(outer_deepest, self._deepest)
        return node

    def _next_line(self) -> int:
        """The line (from 1) where the next event starts."""
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML's stubs leave it untyped
        return event.start_mark.line + 1 if event.start_mark is not None else 0


def config_model(model: type[ModelT], source: ConfigSource | ModelT, *, what: str) -> ModelT:
    """``source`` itself when it is already a ``model``, else loaded and validated into one."""
    if isinstance(source, model):
        return source
    return validate(model, load_mapping(source, what=what), what=what)  # type: ignore[arg-type]


def validate(model: type[ModelT], data: Any, *, what: str) -> ModelT:
    """Validate ``data`` into ``model``; pydantic's errors become one :class:`ConfigError`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise config_error_from(exc, what=what) from None


def config_error_from(exc: ValidationError, *, what: str) -> ConfigError:
    """Summarise a pydantic ``ValidationError`` as a ConfigError naming each path and value."""
    problems = []
    first_path: str | None = None
    for error in exc.errors(include_url=False):
        path = _dotted(error["loc"])
        first_path = first_path or path
        message = error["msg"].removeprefix("Value error, ")
        if path and f"{path!r}" not in message and path not in message:
            problems.append(f"{path}: {message} (got {shown(error.get('input'))}{_boolean_hint(error)})")
        else:
            problems.append(message)
    if len(problems) > _PROBLEMS_SHOWN:  # the message stays short whatever the input: the first few, then a count
        problems[_PROBLEMS_SHOWN:] = [f"and {len(problems) - _PROBLEMS_SHOWN} more problems"]
    problems = [
        problem if len(problem) <= _PROBLEM_LENGTH else problem[: _PROBLEM_LENGTH - 3] + "..." for problem in problems
    ]
    return ConfigError(f"invalid {what}: " + "; ".join(problems), path=first_path)


_PROBLEMS_SHOWN = 8
"""The most problems one ConfigError lists (the others are counted)."""
_PROBLEM_LENGTH = 500
"""The most characters one problem of a ConfigError takes (a path of long keys and the value shown)."""


def _boolean_hint(error: Any) -> str:
    """YAML 1.1 reads unquoted yes/no/on/off as booleans: Norway's code NO becomes false, Ontario's ON true."""
    value = error.get("input")
    if not isinstance(value, bool) or error["type"].startswith("bool"):
        return ""
    return (
        "; YAML reads unquoted yes, no, on and off as true or false, so a country code such as NO (Norway) "
        "or a subdivision such as ON (Ontario) must be quoted: 'NO'"
    )


def _dotted(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = str(part)
            text += ("." if text else "") + (name if len(name) <= 40 else name[:37] + "...")
    return text
