"""slakit.instants: zone names become zones in one function, with a typed error for anything else."""

from __future__ import annotations

import time

import pytest

from slakit.errors import ConfigError
from slakit.instants import zone_named


@pytest.mark.parametrize("name", ["Asia/Shanghai", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "EST5EDT"])
def test_iana_names_are_zones(name: str) -> None:
    assert zone_named(name).key == name


@pytest.mark.parametrize("name", ["Asia", "America", "Etc"])
def test_a_folder_of_zones_is_a_config_error(name: str) -> None:
    """Issue 16: ``timezone: Asia`` (a folder of tzdata) raised IsADirectoryError."""
    with pytest.raises(ConfigError, match=f"'timezone' must be an IANA .* '{name}' is a group of zones, not a zone"):
        zone_named(name)


@pytest.mark.parametrize(
    "name",
    ["", " UTC", "UTC ", "Mars/Olympus", "../zoneinfo/UTC", "/etc/localtime", "UTC\x00", "Asia/", "Asia//Tokyo",
     "Ａｓｉａ/Ｔｏｋｙｏ", "\ud800", "zone1970.tab", "__init__", "A" * 256, None, 8, b"UTC"],
)  # fmt: skip
def test_anything_else_is_a_config_error_naming_the_field(name: object) -> None:
    with pytest.raises(ConfigError, match=r"^'assume_tz' must be an IANA time zone name"):
        zone_named(name, field="assume_tz")  # type: ignore[arg-type]


def test_a_50_mb_name_is_refused_at_once_with_the_name_shortened() -> None:
    """Issue 16: a 50 MB zone name raised OSError (file name too long) and was repeated whole."""
    started = time.process_time()
    with pytest.raises(ConfigError) as caught:
        zone_named("A" * 50_000_000)
    assert time.process_time() - started < 0.5
    assert len(str(caught.value)) < 300
