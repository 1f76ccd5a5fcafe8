"""The columnar engine against the row engine: every output file byte for byte (run.json apart from its timing).

The row engine is the reference: the columnar engine must write exactly what it writes for every row it covers,
and hand every other row to it. Exports are generated (hypothesis) with the cells that decide coverage and the
figures: empty and present times, times out of order, reopens before and after the resolution, replies,
unknown priorities, survey answers in and out of the scale, a time without an offset, text to make safe.
"""

from __future__ import annotations

import filecmp
import json
import os
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.optional import require_module

require_module("numpy")
require_module("pyarrow")

import numpy as np  # noqa: E402 -- after the check that it is installed
import pyarrow as pa  # noqa: E402

from slakit import presets  # noqa: E402
from slakit.batch import columnar, columnar_cells, columnar_text, distribution, run  # noqa: E402
from slakit.batch.facts import hours  # noqa: E402
from slakit.demo.export import write_export  # noqa: E402
from slakit.errors import ConfigError  # noqa: E402
from slakit.instants import from_us, to_us, zone_named  # noqa: E402
from tests.batch.exports import defined_metric_policy  # noqa: E402

AS_OF = datetime.fromisoformat("2025-10-31T23:59:59+08:00")
HEADER = (
    "id,created_at,priority,category,channel,product,customer,agent,assigned_at,acknowledged_at,first_response_at,"
    "agent_replies,resolved_at,reopened_at,complaints,affected_customers,flags,subject,survey_solved,"
    "survey_speed,survey_attitude,survey_at,attributes.tier,attributes.level"
)


_SLAS = [
    {"name": "phone", "when": {"fact": "ticket.channel", "op": "eq", "value": "电话"},
     "targets": {"*": {"response": {"within": "30s", "clock": "calendar"}}}},
    {"name": "risk", "when": {"any": [{"fact": "ticket.flags", "op": "contains", "value": "public_opinion_risk"},
                                      {"fact": "ticket.attributes.level", "op": "ge", "value": 5}]},
     "targets": {"P2": {"resolution": "4h"}, "*": {"acknowledge": "0s"}}},
    {"name": "gold", "when": {"all": [{"fact": "ticket.attributes.tier", "op": "eq", "value": "gold"},
                                      {"fact": "ticket.priority", "op": "in", "value": ["P2", "P3"]}]},
     "targets": {"*": {"response": "1h", "resolution": "0s"}}},
]  # fmt: skip
"""Conditional SLAs on the channel, flags, a text and a numeric attribute and the priority, with zero targets."""


def _policy(
    tmp: Path, *, calendar: str | None = None, reopen: str = "resume", slas: bool = False, rules: bool = True
) -> Path:
    """p1-p3 (without its escalation rules unless ``rules``), with ``slas`` the conditional SLAs :data:`_SLAS` and a
    zero target."""
    config = yaml.safe_load((Path(presets.__file__).parent / "p1-p3.yaml").read_text(encoding="utf-8"))
    if not rules:
        config.pop("escalation")
    config["name"] = "p1-p3-plain" if not rules else "p1-p3-copy"
    config["on_reopen"] = reopen
    if calendar == "24x7":
        config["calendars"]["default"] = {"timezone": "Europe/Berlin", "hours": {"mon-sun": ["00:00-24:00"]}}
    if slas:
        config["slas"] = _SLAS
        config["priorities"]["P1"]["targets"]["acknowledge"] = "0s"
    path = tmp / f"policy-{calendar}-{reopen}-{slas}-{rules}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _both(tmp: Path, source: Path, policy: Path, **options: Any) -> tuple[Any, Any]:
    """Run both engines into tmp/rows and tmp/columnar and assert their files are identical."""
    outcomes = []
    as_of = options.pop("as_of", AS_OF)
    for engine in ("rows", "auto"):
        outcomes.append(run(source, policy, as_of=as_of, out_dir=tmp / engine, engine=engine, **options))
    _same_files(tmp / "rows", tmp / "auto")
    return outcomes[0], outcomes[1]


def _same_files(a: Path, b: Path) -> None:
    names = sorted(os.listdir(a))
    assert names == sorted(os.listdir(b))
    for name in names:
        if name == "run.json":
            mine, theirs = (json.loads((folder / name).read_text()) for folder in (a, b))
            mine.pop("duration_seconds")
            theirs.pop("duration_seconds")
            assert mine == theirs
            continue
        assert filecmp.cmp(a / name, b / name, shallow=False), f"{name} differs between the engines"


# -- the whole-column rules against the row engine's ------------------------------------------------


@given(st.lists(st.integers(min_value=-(10**15), max_value=10**15), min_size=1, max_size=50))
def test_hours_texts_are_repr_of_hours(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    assert columnar_text.hour_texts(array).to_pylist() == [repr(hours(v)) for v in values]
    assert columnar_text.hour_texts(array, negated=True).to_pylist() == [repr(-hours(v)) for v in values]


_INSTANTS = st.one_of(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 1, 1)),  # a run's table of hours
    st.datetimes(min_value=datetime(1800, 1, 1), max_value=datetime(9000, 1, 1)),  # offsets of seconds (LMT) too
).map(lambda d: d.replace(tzinfo=UTC))


@given(
    st.lists(_INSTANTS, min_size=1, max_size=30),
    st.sampled_from(
        ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC", "Asia/Kathmandu"]
    ),
    st.booleans(),
)
def test_instant_texts_are_isoformat(instants: list[datetime], zone_name: str, whole: bool) -> None:
    zone = zone_named(zone_name)
    values = [to_us(d) // 1_000_000 * 1_000_000 if whole else to_us(d) for d in instants]
    caches: dict[str, columnar_cells.Cache] = {}
    csv_texts, json_texts = columnar_text.TextMaker(
        zone, lambda name: caches.setdefault(name, columnar_cells.Cache())
    ).instants(np.array([*values, columnar_cells.EMPTY], dtype=np.int64))
    expected = [from_us(v, zone).isoformat() for v in values]
    assert csv_texts.to_pylist() == [*expected, ""]
    assert json_texts.to_pylist() == [*(f'"{e}"' for e in expected), "null"]


@given(
    st.lists(st.lists(_INSTANTS, max_size=10), min_size=1, max_size=5),
    st.sampled_from(["Asia/Shanghai", "Europe/London", "Australia/Lord_Howe"]),
)
def test_one_maker_writes_every_chunk_as_isoformat(chunks: list[list[datetime]], zone_name: str) -> None:
    """One run's table of the zone, grown (or bypassed) chunk after chunk, gives every chunk its own texts."""
    zone = zone_named(zone_name)
    caches: dict[str, columnar_cells.Cache] = {}
    maker = columnar_text.TextMaker(zone, lambda name: caches.setdefault(name, columnar_cells.Cache()))
    for chunk in chunks:
        values = [columnar_cells.EMPTY, *(to_us(d) for d in chunk)]
        csv_texts, _ = maker.instants(np.array(values, dtype=np.int64))
        assert csv_texts.to_pylist() == ["", *(from_us(to_us(d), zone).isoformat() for d in chunk)]
        days = maker.dates(np.array(values, dtype=np.int64))
        assert [days.values[code] for code in days.codes] == [None, *(from_us(to_us(d), zone).date() for d in chunk)]


def _lines_by_search(data: bytes) -> int | None:
    """The rule of plain_lines written with byte searches (how the engine first checked a chunk)."""
    if data.count(b"\r") != data.count(b"\r\n"):
        return None
    body = data[:-2] if data.endswith(b"\r\n") else data[:-1] if data.endswith(b"\n") else data
    if (
        not body
        or b"\n\n" in body
        or b"\n\r\n" in body
        or body.startswith((b"\n", b"\r\n"))
        or body.endswith((b"\r", b"\n"))
    ):
        return None
    return body.count(b"\n") + 1


@given(st.binary(min_size=1, max_size=40).map(lambda raw: bytes(b"a,\r\n"[byte % 4] for byte in raw)))
def test_plain_lines_finds_blank_lines_and_lone_returns(data: bytes) -> None:
    assert columnar_cells.plain_lines(data) == _lines_by_search(data)


_OFFSETS = st.builds(
    lambda sign, h, m: f"{sign}{h:02d}:{m:02d}", st.sampled_from("+-"), st.integers(0, 25), st.integers(0, 61)
)


@given(
    st.lists(
        st.one_of(
            st.builds(
                lambda d, offset: d.strftime("%Y-%m-%dT%H:%M:%S") + offset,
                st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2199, 12, 30)),
                _OFFSETS,
            ),
            st.text(alphabet="0123456789-T:+ ", min_size=0, max_size=26),
            st.just(""),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_iso_cells_read_as_fromisoformat(cells: list[str]) -> None:
    found = columnar_cells.iso_instants(pa.array(cells, pa.string())).tolist()
    for cell, us in zip(cells, found, strict=True):
        if cell == "":
            assert us == columnar_cells.EMPTY
        elif us != columnar_cells.BAD:  # the cell is read here: exactly as the row engine reads it
            assert us == to_us(datetime.fromisoformat(cell))


# -- generated exports, every file compared ----------------------------------------------------------

_BASE = datetime(2025, 9, 1, 0, 0, tzinfo=UTC)


def _time(minutes: int | None, *, naive: bool = False) -> str:
    if minutes is None:
        return ""
    moment = (_BASE + timedelta(minutes=minutes)).astimezone(zone_named("Asia/Shanghai"))
    return moment.replace(tzinfo=None).isoformat(sep=" ") if naive else moment.isoformat()


_MINUTES = st.one_of(st.none(), st.integers(min_value=-600, max_value=90 * 24 * 60))


@st.composite
def _rows(draw: st.DrawFn) -> list[str]:
    """A row of an export: usually one the columnar engine covers (times in order, valid cells), else one with
    cells drawn from values each engine must treat alike (invalid, contradicting, formula-like, padded)."""
    return draw(_clean_row()) if draw(st.integers(0, 3)) else draw(_wild_row())


_SOON = st.one_of(st.none(), st.integers(min_value=0, max_value=20 * 24 * 60))


@st.composite
def _clean_row(draw: st.DrawFn) -> list[str]:
    created = draw(st.integers(min_value=0, max_value=50 * 24 * 60))

    def after(base: int | None) -> int | None:
        later = draw(_SOON)
        return None if base is None or later is None else base + later

    assigned = after(created)
    acknowledged = after(assigned)
    responded = after(created)
    resolved = after(max(created, responded or created))
    reopened = None
    if resolved is not None and draw(st.integers(0, 5)) == 0:
        reopened = draw(st.integers(min_value=created, max_value=resolved))
    survey_at = after(resolved)
    answered = resolved is not None and draw(st.booleans())
    answers = [draw(st.sampled_from(["5", "4", "3", "1", " 2 "])) if answered else "" for _ in range(3)]
    return [
        f"C{draw(st.integers(0, 10**6))}",
        _time(created),
        draw(st.sampled_from(["P1", "P2", "P3", "p2", "紧急"])),
        draw(st.sampled_from(["技术支持类/软件故障排查", "售后服务类/硬件维修", "", "Other"])),
        draw(st.sampled_from(["电话", "邮件", "", "微信"])),
        draw(st.sampled_from(["BX-100 工业平板", "", "App"])),
        draw(st.sampled_from(["华东精密制造有限公司", "", "-ACME", "a,b"])).replace(",", ""),
        draw(st.sampled_from(["王磊", "李娜"])) if assigned is not None else "",
        _time(assigned),
        _time(acknowledged),
        _time(responded),
        draw(st.sampled_from(["", "1", "2"])) if responded is not None else "",
        _time(resolved),
        _time(reopened),
        draw(st.sampled_from(["0", "", "1", "2"])),
        draw(st.sampled_from(["1", "", "12"])),
        draw(st.sampled_from(["", "public_opinion_risk"])),
        draw(st.sampled_from(["软件卡顿 报错", "如何设置打印模板", "", "hello"])),
        *answers,
        _time(survey_at) if answered or draw(st.booleans()) else "",
        draw(st.sampled_from(["", "gold", "silver", " gold "])),
        draw(st.sampled_from(["", "7", "3", "5.0"])),
    ]


@st.composite
def _wild_row(draw: st.DrawFn) -> list[str]:
    created = draw(st.integers(min_value=0, max_value=60 * 24 * 60))
    later = [draw(_MINUTES) for _ in range(6)]
    assigned, acknowledged, responded, resolved, reopened, survey_at = (
        None if m is None else created + abs(m) * draw(st.sampled_from([1, 1, 1, -1])) for m in later
    )
    answers = [draw(st.sampled_from(["", "", "5", "4", "3", "1", "7", " 2 "])) for _ in range(3)]
    return [
        draw(st.sampled_from(["T1", "=T2", " T3 ", "T-4", "票5", "", "T6"])) + str(draw(st.integers(0, 9))),
        _time(created, naive=draw(st.integers(0, 30)) == 0),
        draw(st.sampled_from(["P1", "P2", "P3", "p2", "紧急", "P9", ""])),
        draw(st.sampled_from(["技术支持类/软件故障排查", "售后服务类/硬件维修", "", "Other", "+x"])),
        draw(st.sampled_from(["电话", "邮件", "", "@web"])),
        draw(st.sampled_from(["BX-100 工业平板", "", "App"])),
        draw(st.sampled_from(["华东精密制造有限公司", "", "-ACME"])),
        draw(st.sampled_from(["王磊", "", "李娜"])),
        _time(assigned),
        _time(acknowledged),
        _time(responded),
        draw(st.sampled_from(["", "", "1", "2", "0", "x"])),
        _time(resolved),
        _time(reopened) if draw(st.integers(0, 3)) == 0 else "",
        draw(st.sampled_from(["0", "", "1", "2"])),
        draw(st.sampled_from(["1", "", "12"])),
        draw(st.sampled_from(["", "public_opinion_risk"])),
        draw(st.sampled_from(["软件卡顿 报错", "如何设置打印模板", "", "hello"])),
        *answers,
        _time(survey_at),
        draw(st.sampled_from(["", "gold", "silver", " gold "])),
        draw(st.sampled_from(["", "7", "3", "x", "5.0"])),
    ]


@settings(
    max_examples=400 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # each example is two whole runs: no slow shrinking
)
@given(
    rows=st.lists(_rows(), min_size=0, max_size=25),
    calendar=st.sampled_from([None, "24x7"]),
    reopen=st.sampled_from(["resume", "resume", "restart"]),
    as_of_day=st.integers(min_value=20, max_value=120),
    by=st.sampled_from(
        [("month",), ("week", "priority"), ("agent",), (), ("category",), ("route", "type"), ("attributes.tier",)]
    ),
    slas=st.booleans(),
    rules=st.booleans(),
)
def test_generated_exports_give_the_same_files(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[list[str]],
    calendar: str | None,
    reopen: str,
    as_of_day: int,
    by: tuple[str, ...],
    slas: bool,
    rules: bool,
) -> None:
    tmp = tmp_path_factory.mktemp("export")
    source = tmp / "export.csv"
    source.write_text("\r\n".join([HEADER, *(",".join(row) for row in rows)]) + "\r\n", encoding="utf-8")
    as_of = _BASE + timedelta(days=as_of_day)
    rows_outcome, auto_outcome = _both(
        tmp,
        source,
        _policy(tmp, calendar=calendar, reopen=reopen, slas=slas, rules=rules),
        as_of=as_of,
        by=by,
        chunk_size=7,
    )
    assert sum(auto_outcome.engines.values()) == len(rows)
    assert rows_outcome.engines == ({"rows": len(rows)} if rows else {})


def test_demo_export_is_mostly_columnar_and_identical(tmp_path: Path) -> None:
    files = write_export(tmp_path, rows=400, seed=7, as_of=AS_OF)
    rows_outcome, auto_outcome = _both(tmp_path, files.csv, _policy(tmp_path))
    assert auto_outcome.engines["columnar"] >= 380
    assert rows_outcome.summary == auto_outcome.summary


def test_workers_and_spans_give_the_same_files(tmp_path: Path) -> None:
    files = write_export(tmp_path, rows=300, seed=3, as_of=AS_OF)
    policy = _policy(tmp_path)
    run(files.csv, policy, as_of=AS_OF, out_dir=tmp_path / "rows", engine="rows")
    outcome = run(files.csv, policy, as_of=AS_OF, out_dir=tmp_path / "auto", engine="auto", jobs=2, chunk_size=64)
    _same_files(tmp_path / "rows", tmp_path / "auto")
    assert outcome.engines["columnar"] > 0


def test_progress_is_reported_alike(tmp_path: Path) -> None:
    files = write_export(tmp_path, rows=120, seed=5, as_of=AS_OF)
    policy = _policy(tmp_path)
    seen: dict[str, list[tuple[int, int | None]]] = {}
    for engine in ("rows", "columnar"):
        calls: list[tuple[int, int | None]] = []
        run(
            files.csv,
            policy,
            as_of=AS_OF,
            out_dir=tmp_path / engine,
            engine=engine,
            chunk_size=50,
            progress=lambda p, calls=calls: calls.append((p.rows, p.bytes_read)),
        )
        seen[engine] = calls
    assert seen["rows"] == seen["columnar"]
    assert seen["rows"][-1][0] == 120


def test_quoted_cells_go_to_the_row_engine(tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    row = 'Q1,2025-09-01T10:00:00+08:00,P1,"a, b",,,,,,,,,,,,,,"say ""hi""",,,,'
    source.write_text(HEADER + "\n" + row + "\n", encoding="utf-8")
    _, outcome = _both(tmp_path, source, _policy(tmp_path))
    assert outcome.engines == {"rows": 1}


def test_tab_separated_cells_with_commas_are_quoted_alike(tmp_path: Path) -> None:
    source = tmp_path / "export.tsv"
    cells = ["T1", "2025-09-01T10:00:00+08:00", "P1", "a,b", "", "", "c,d"] + [""] * (HEADER.count(",") - 6)
    source.write_text(HEADER.replace(",", "\t") + "\n" + "\t".join(cells) + "\n", encoding="utf-8")
    _, outcome = _both(tmp_path, source, _policy(tmp_path), delimiter="\t")
    assert outcome.engines == {"columnar": 1}


def test_columnar_refuses_what_it_cannot_take(tmp_path: Path) -> None:
    files = write_export(tmp_path, rows=20, seed=1, as_of=AS_OF)
    with pytest.raises(ConfigError, match="defines by events"):
        run(files.csv, defined_metric_policy(tmp_path), as_of=AS_OF, out_dir=tmp_path / "a", engine="columnar")
    with pytest.raises(ConfigError, match="not a flat CSV"):
        run(files.jsonl, _policy(tmp_path), as_of=AS_OF, out_dir=tmp_path / "b", engine="columnar")
    with pytest.raises(ConfigError, match="'engine'"):
        run(files.csv, _policy(tmp_path), as_of=AS_OF, out_dir=tmp_path / "c", engine="fast")


def test_auto_says_why_the_row_engine_took_every_row(tmp_path: Path) -> None:
    files = write_export(tmp_path, rows=20, seed=1, as_of=AS_OF)
    outcome = run(files.csv, defined_metric_policy(tmp_path), as_of=AS_OF, out_dir=tmp_path / "a", engine="auto")
    assert outcome.engines == {"rows": 20}
    assert outcome.engine_note is not None
    assert "defines by events" in outcome.engine_note


def test_without_numpy_and_pyarrow_auto_uses_the_row_engine_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = write_export(tmp_path, rows=20, seed=1, as_of=AS_OF)
    monkeypatch.setattr(columnar, "available", lambda: False)
    monkeypatch.setattr("slakit.batch.pipeline._SAID", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = run(files.csv, _policy(tmp_path), as_of=AS_OF, out_dir=tmp_path / "a", engine="auto")
        run(files.csv, _policy(tmp_path), as_of=AS_OF, out_dir=tmp_path / "b", engine="auto")
    assert outcome.engines == {"rows": 20}
    assert outcome.engine_note == columnar.MISSING
    assert len([w for w in caught if "row engine" in str(w.message)]) == 1
    with pytest.raises(ConfigError, match="slakit\\[batch\\]"):
        run(files.csv, _policy(tmp_path), as_of=AS_OF, out_dir=tmp_path / "c", engine="columnar")


def test_date_orders_are_counted_alike_in_workers(tmp_path: Path) -> None:
    """Rows with numeric dates go to the row engine; the orders they show are counted whichever process read them."""
    source = tmp_path / "export.csv"
    rows = [f"T{i},2025-09-0{1 + i % 5}T10:00:00+08:00,P2" + "," * (HEADER.count(",") - 2) for i in range(40)]
    rows += [f"N{i},09/2{i % 8}/2025 10:00,P2" + "," * (HEADER.count(",") - 2) for i in range(40)]
    source.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    policy = _policy(tmp_path)
    found = []
    for engine, jobs in (("rows", 1), ("auto", 2)):
        outcome = run(
            source, policy, as_of=AS_OF, out_dir=tmp_path / engine, engine=engine, jobs=jobs, chunk_size=16,
            assume_tz="Asia/Shanghai",
        )  # fmt: skip
        found.append(outcome)
    _same_files(tmp_path / "rows", tmp_path / "auto")
    assert found[0].date_orders == found[1].date_orders
    assert found[1].engines == {"columnar": 40, "rows": 40}


def test_route_and_retain_until_are_the_row_engines(tmp_path: Path) -> None:
    """Regression: after derive()'s per-ticket values joined the row engine, the columnar engine wrote results
    without route and retain_until; it now works them out by derive's own functions and writes the same files."""
    files = write_export(tmp_path, rows=20, seed=1, as_of=AS_OF)
    _, auto_outcome = _both(tmp_path, files.csv, _policy(tmp_path))
    assert auto_outcome.engines == {"columnar": 20}
    header = (tmp_path / "auto" / "results.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",route,retain_until")


def test_relative_targets_keep_the_row_engine_and_conditional_slas_do_not(tmp_path: Path) -> None:
    files = write_export(tmp_path, rows=10, seed=2, as_of=AS_OF)
    config = yaml.safe_load(_policy(tmp_path).read_text(encoding="utf-8"))
    relative = dict(config)
    relative["priorities"] = {
        code: {**entry, "targets": {**entry["targets"], "resolution": {"due": "end_of_business_day"}}}
        for code, entry in config["priorities"].items()
    }
    path = tmp_path / "due.yaml"
    path.write_text(yaml.safe_dump(relative, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="relative deadline"):
        run(files.csv, path, as_of=AS_OF, out_dir=tmp_path / "due", engine="columnar")
    outcome = run(files.csv, path, as_of=AS_OF, out_dir=tmp_path / "due-auto", engine="auto")
    assert outcome.engines == {"rows": 10}
    assert outcome.engine_note is not None
    assert "relative deadline" in outcome.engine_note
    text = files.csv.read_text(encoding="utf-8").splitlines()
    tiered = tmp_path / "tiered.csv"
    tiered.write_text(
        "\n".join(
            [text[0] + ",attributes.tier", *(line + (",gold" if i % 2 else ",") for i, line in enumerate(text[1:]))]
        )
        + "\n",
        encoding="utf-8",
    )
    vip = {"fact": "ticket.attributes.tier", "op": "eq", "value": "gold"}
    conditional = tmp_path / "vip.yaml"
    conditional.write_text(
        yaml.safe_dump(dict(config, slas=[{"name": "vip", "when": vip, "targets": {"*": {"response": "30m"}}}])),
        encoding="utf-8",
    )
    _, outcome = _both(tmp_path / "vip", tiered, conditional, by=("attributes.tier",))
    assert outcome.engines == {"columnar": 10}


def test_a_chunk_ending_in_a_blank_line_is_read_as_the_csv_module_reads_it(tmp_path: Path) -> None:
    """Regression: a chunk whose text ended with a blank line was read by Arrow with one more, empty row, which the
    row engine rejected for its missing id (the csv module skips blank lines); such a chunk is the row engine's."""
    source = tmp_path / "export.csv"
    row = "B{},2025-09-01T10:00:00+08:00,P1" + "," * (HEADER.count(",") - 2)
    lines = [HEADER, *(row.format(i) for i in range(2)), "", *(row.format(i) for i in range(2, 6))]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows_outcome, auto_outcome = _both(tmp_path, source, _policy(tmp_path), chunk_size=3)
    assert rows_outcome.rows == auto_outcome.rows == 6
    assert auto_outcome.engines.get("columnar", 0) > 0


_NEAR_BUCKET_EDGES = st.integers(min_value=1, max_value=2990).map(
    lambda i: int(distribution.GAMMA**i)
)  # values whose logarithm lies next to a bucket's edge


@given(
    st.lists(st.one_of(st.integers(min_value=0, max_value=10**13), _NEAR_BUCKET_EDGES, st.just(0)), max_size=60),
    st.integers(min_value=0, max_value=3),
)
def test_a_column_distribution_is_the_one_add_builds(values: list[int], copies: int) -> None:
    column = np.array(values * (1 + copies * 200), dtype=np.int64)  # past EXACT_LIMIT now and then
    expected = distribution.Distribution()
    for value in column.tolist():
        expected.add(value)
    found = columnar._distribution(column)
    assert found == expected
    merged = distribution.Distribution([5, 7])
    merged.merge(found)
    again = distribution.Distribution([5, 7])
    again.merge(expected)
    assert merged == again
    assert merged.quantile(0.5) == again.quantile(0.5)


@given(st.lists(st.lists(st.integers(min_value=0, max_value=10**12), max_size=40), max_size=8), st.integers(1, 400))
def test_column_distributions_merged_past_the_exact_limit_are_the_values_added(
    parts: list[list[int]], copies: int
) -> None:
    """Merged column distributions keep their buckets, so that the sketch they become is the one of every value."""
    merged, expected = distribution.Distribution(), distribution.Distribution()
    for part in parts:
        column = np.array(part * copies, dtype=np.int64)
        merged.merge(columnar._distribution(column))
        for value in column.tolist():
            expected.add(value)
    assert merged == expected
    assert merged.quantile(0.9) == expected.quantile(0.9)


# -- tables: the cells a table hands the columnar engine are those of a CSV of the same rows ----------------


def _typed_column(name: str, cells: list[str], kind: str) -> pa.Array:
    """A column of the generated rows as a table might type it (``kind``): aware timestamps in the rows' offset,
    whole numbers, floats (NaN for an empty cell) or categories, where every cell of the column allows it;
    text otherwise."""
    if kind == "text" or (kind == "dictionary" and name in columnar_cells.TIMES):
        return pa.array(cells, pa.string())
    if kind == "dictionary":
        return pa.array(cells, pa.string()).dictionary_encode()
    if name in columnar_cells.TIMES:
        parsed = [datetime.fromisoformat(cell) if cell else None for cell in cells]
        if any(p is not None and p.tzinfo is None for p in parsed):
            return pa.array(cells, pa.string())
        return pa.array(parsed, pa.timestamp(kind, "+08:00"))
    if name in ("agent_replies", "complaints", "affected_customers"):  # (a rejected survey quotes its numbers)
        if not all(cell.isdigit() for cell in cells if cell):
            return pa.array(cells, pa.string())
        if kind in ("s", "ms"):
            return pa.array([int(cell) if cell else None for cell in cells], pa.int32())
        return pa.array([float(cell) if cell else float("nan") for cell in cells], pa.float64())
    return pa.array([cell or None for cell in cells], pa.string())


def _chunk_of(policy_path: Path, payload: Any, layout: Any, as_of: datetime) -> tuple[Any, dict[str, Any]]:
    """A chunk through the columnar engine's plan (whatever run() would decide): its texts and its summary."""
    from functools import partial

    from slakit.batch import pipeline
    from slakit.batch.accumulator import Accumulator
    from slakit.batch.evaluation import Evaluator
    from slakit.batch.facts import Context
    from slakit.batch.output import TicketWriter

    policy = presets.resolve(policy_path)
    evaluator = Evaluator(policy, as_of)
    context = Context.of(evaluator.policy_for(layout.measured))
    plan = columnar.Plan(evaluator, context, layout)
    work = pipeline._Work(
        evaluator=evaluator,
        context=context,
        by=("month",),
        writer=TicketWriter(context.metrics),
        format=None,
        layout=layout,
        delimiter=",",
        encoding="utf-8",
    )
    summary = Accumulator(("month",), as_of=as_of)
    summary.context = context
    texts = plan.chunk(payload, 2, ",", summary, partial(pipeline._row_texts, work))
    whole = Accumulator(("month",), policy=policy, as_of=as_of).merge(summary).finish().to_dict()
    return texts, whole


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(_rows(), min_size=1, max_size=20),
    kinds=st.lists(st.sampled_from(["text", "dictionary", "s", "ms", "us", "ns"]), min_size=40, max_size=40),
    as_of_day=st.integers(min_value=20, max_value=120),
)
def test_a_table_gives_the_chunk_of_a_csv_of_the_same_rows(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], kinds: list[str], as_of_day: int
) -> None:
    """The same rows as CSV text, as a typed Arrow table and as the pandas DataFrame of that table give the same
    chunk texts and summary, and the columnar engine covers the same rows of each."""
    from slakit.batch.flat import FlatLayout
    from slakit.batch.frames import Part

    tmp = tmp_path_factory.mktemp("table")
    policy = _policy(tmp)
    names = HEADER.split(",")
    as_of = _BASE + timedelta(days=as_of_day)
    text = "\n".join(",".join(row) for row in rows) + "\n"
    table = pa.table(
        [_typed_column(name, [row[i] for row in rows], kinds[i]) for i, name in enumerate(names)], names=names
    )
    from_csv = _chunk_of(policy, text, FlatLayout(names), as_of)
    from_arrow = _chunk_of(policy, Part(len(rows), table=table), FlatLayout(names), as_of)
    from_pandas = _chunk_of(policy, Part(len(rows), frame=table.to_pandas()), FlatLayout(names), as_of)
    assert from_arrow[0] is not None
    assert from_pandas[0] is not None
    if from_csv[0] is not None:  # None: Arrow's CSV reader does not read this text as the csv module would
        assert from_arrow == from_csv
        assert from_pandas == from_csv
    else:
        assert from_pandas == from_arrow


def test_table_cells_without_a_faithful_text_go_to_the_row_engine() -> None:
    """Naive timestamps, dates and lists have no text that reads as the row engine reads the value: their rows
    are not covered; a column nobody reads is not looked at."""
    from slakit.batch.flat import FlatLayout

    table = pa.table(
        {
            "id": ["A", "B", "C"],
            "created_at": pa.array([datetime(2025, 9, 1, 9, tzinfo=UTC), None, None], pa.timestamp("us", "UTC")),
            "priority": pa.array([1, 2, None], pa.int8()),
            "assigned_at": pa.array([None, datetime(2025, 9, 1, 9), None], pa.timestamp("us")),
            "category": pa.array([None, None, datetime(2025, 9, 1).date()], pa.date32()),
            "subject": pa.array([True, None, False]),
            "unread": pa.array([[1], [2], [3]]),
        }
    )
    texts, instants, forced = columnar_cells.table_texts(FlatLayout(table.schema.names), table)
    assert forced.tolist() == [False, True, True]
    assert list(instants) == [1]
    assert instants[1].tolist() == [
        to_us(datetime(2025, 9, 1, 9, tzinfo=UTC)),
        columnar_cells.EMPTY,
        columnar_cells.EMPTY,
    ]
    assert texts.column(2).to_pylist() == ["1", "2", ""]
    assert texts.column(5).to_pylist() == ["True", "", "False"]
    assert texts.column(6).to_pylist() == ["", "", ""]


@pytest.mark.parametrize("bad", [b"\xff", b"\xed\xa0\x80", b"\xc0\xaf", b"\xe4\xb8"])
def test_a_chunk_with_bytes_that_are_not_utf8_is_the_row_engines(tmp_path: Path, bad: bytes) -> None:
    """A chunk is read as bytes: Arrow's UTF-8 check refuses exactly what Python's decoder refuses, so that chunk
    goes to the row engine, which rejects the one record and evaluates the others."""
    width = HEADER.count(",") + 1
    good = [f"T{i},2025-09-01T10:00:00+08:00,P2".encode() + b"," * (width - 3) for i in range(2000)]
    broken = b"X1,2025-09-01T10:00:00+08:00,P2,cat" + bad + b"," * (width - 4)  # past the first 64 KiB
    source = tmp_path / "export.csv"
    source.write_bytes(b"\r\n".join([HEADER.encode(), *good[:1600], broken, *good[1600:]]) + b"\r\n")
    _, outcome = _both(tmp_path, source, _policy(tmp_path), chunk_size=500)
    assert outcome.engines == {"columnar": 1501, "rows": 500}  # the chunk of rows 1,501-2,000 whole
