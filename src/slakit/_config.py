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

from slakit.errors import ConfigError

ConfigSource = Mapping[str, Any] | str | os.PathLike[str]
"""What ``from_config`` accepts: a mapping, JSON/YAML/TOML text, or a path to such a file."""

ModelT = TypeVar("ModelT", bound=BaseModel)

_SUFFIXES = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}


def load_mapping(source: ConfigSource, *, what: str) -> Mapping[str, Any]:
    """Turn any accepted config source into a mapping; ``what`` names it in errors ("calendar")."""
    if isinstance(source, Mapping):
        return source
    if isinstance(source, os.PathLike):
        return load_file(Path(source), what=what)
    if isinstance(source, str):
        return _parse_text(source, fmt=None, what=what, origin="text")
    raise ConfigError.for_value(what, source, "a mapping, JSON/YAML/TOML text or a path to such a file")


def load_file(path: Path, *, what: str) -> Mapping[str, Any]:
    """Read a JSON, YAML or TOML file, choosing the format by suffix (sniffing when it has none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {what} file {str(path)!r}: {exc.strerror or exc}") from exc
    return _parse_text(text, fmt=_SUFFIXES.get(path.suffix.lower()), what=what, origin=str(path))


def _parse_text(text: str, *, fmt: str | None, what: str, origin: str) -> Mapping[str, Any]:
    data: Any
    try:
        if fmt == "json" or (fmt is None and text.lstrip().startswith("{")):
            data = json.loads(text)
        elif fmt == "toml":
            data = tomllib.loads(text)
        elif fmt == "yaml":
            data = yaml.safe_load(text)
        else:
            data = _sniff(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"{what} {origin} is not valid {fmt or 'JSON, YAML or TOML'}: {exc}") from exc
    if not isinstance(data, Mapping):
        raise ConfigError(f"{what} {origin} must hold a mapping of settings (got {type(data).__name__}: {data!r:.60})")
    return data


def _sniff(text: str) -> Any:
    """TOML first: it fails fast on YAML, while YAML would read most TOML as one plain string."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return yaml.safe_load(text)


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
            problems.append(f"{path}: {message} (got {error.get('input')!r:.80})")
        else:
            problems.append(message)
    return ConfigError(f"invalid {what}: " + "; ".join(problems), path=first_path)


def _dotted(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text
