"""slakit.batch.dask: the same evaluation and exactly the same summary on a Dask DataFrame as one local run."""

import csv
import io
import itertools
import logging
import pickle
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slakit import demo, presets
from slakit.batch import Accumulator, csv_safe, evaluate_many, from_dataframe, run, summarize
from slakit.batch import dask as sdask
from slakit.batch import distribution as sketching  # its EXACT_LIMIT is patched below
from slakit.errors import ConfigError, NaiveDatetimeError
from tests.optional import require_module

try:  # the slakit[dask] extra: without it every test skips (fails in CI), through the fixture below
    import dask
    import dask.dataframe as dd
    import pandas as pd
except ImportError:  # pragma: no cover - depends on the installation
    pass


@pytest.fixture(autouse=True, scope="module")
def _dask_installed():
    for name in ("pandas", "dask", "distributed"):
        require_module(name)


AS_OF = datetime(2025, 10, 31, 23, 59, 59, tzinfo=ZoneInfo("Asia/Shanghai"))
BY = ("month", "priority")
ROWS = 400
BROKEN = {  # row position -> (column, value): one of each kind of rejection (200 is the demo export's naive time)
    50: ("priority", "P9"),
    120: ("complaints", "好几次"),
    300: ("resolved_at", "2020-01-01T09:00:00+08:00"),
}


@pytest.fixture(scope="module")
def policy():
    return presets.load("p1-p3")


@pytest.fixture(scope="module")
def frame(tmp_path_factory) -> pd.DataFrame:
    """A seeded demo export read as pandas reads a CSV: text cells, empty ones missing; four broken rows."""
    files = demo.write_export(tmp_path_factory.mktemp("export"), ROWS, seed=11, as_of=AS_OF)
    df = pd.read_csv(files.csv, dtype=str, encoding="utf-8-sig")
    for position, (column, value) in BROKEN.items():
        df.loc[position, column] = value
    return df


@pytest.fixture(scope="module")
def local(frame, policy, tmp_path_factory):
    """The local run of the same frame: its outcome and the rows of results.csv and rejected.csv."""
    out = tmp_path_factory.mktemp("local")
    outcome = run(frame, policy, as_of=AS_OF, out_dir=out, formats=(), by=BY)
    return outcome, read_rows(out / "results.csv"), read_rows(out / "rejected.csv")


@pytest.fixture(scope="module")
def client():
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            scheduler_port=0,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as connected,
    ):
        yield connected


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def roundtrip(value):
    """``value`` pickled and unpickled, as it travels between processes."""
    return pickle.loads(pickle.dumps(value))  # noqa: S301 -- our own object


def _py(value):
    if value is pd.NA or value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def as_csv(rows: pd.DataFrame) -> list[list[str]]:
    """The frame's rows written and read back as run() writes its CSV files (header first)."""
    buffer = io.StringIO(newline="")
    writer = csv_safe.writer(buffer)
    writer.writerow(rows.columns)
    columns = [rows[name].tolist() for name in rows.columns]
    writer.writerows([_py(value) for value in record] for record in zip(*columns, strict=True))
    return list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))


def results_part(rows: pd.DataFrame) -> pd.DataFrame:
    """The evaluated rows with results.csv's columns."""
    return rows[rows["rejected"].isna()].drop(columns=list(sdask.REJECTION_COLUMNS))


def rejected_part(rows: pd.DataFrame) -> pd.DataFrame:
    """The rejected rows with rejected.csv's columns."""
    picked = rows[rows["rejected"].notna()][["line", "id", "rejected_kind", "rejected"]]
    return picked.rename(columns={"rejected_kind": "kind", "rejected": "reason"})


def test_a_local_cluster_gives_the_local_run_exactly(client, frame, policy, local):
    outcome, results_csv, rejected_csv = local
    expected = outcome.summary.to_dict()
    assert expected == summarize(evaluate_many(from_dataframe(frame), policy, as_of=AS_OF), by=BY).to_dict()
    assert expected["rows"] == {"total": ROWS, "evaluated": ROWS - 4, "rejected": 4}
    ddf = dd.from_pandas(frame, npartitions=5)

    assert sdask.summarize(ddf, policy, as_of=AS_OF, by=BY, split_every=2).to_dict() == expected

    rows = sdask.evaluate(ddf, "p1-p3", as_of=AS_OF).compute()
    assert rows["line"].tolist() == list(range(1, ROWS + 1))
    assert as_csv(results_part(rows)) == results_csv
    assert as_csv(rejected_part(rows)) == rejected_csv

    lazy_rows, lazy_summary = sdask.evaluate_and_summarize(ddf, policy, as_of=AS_OF, by=BY)
    parts, summary = dask.compute(lazy_rows.to_delayed(), lazy_summary)
    assert summary.to_dict() == expected
    pd.testing.assert_frame_equal(pd.concat(parts), rows)


def test_rows_keep_the_input_index_and_have_the_declared_dtypes(frame, policy):
    indexed = frame.set_index(frame["id"].rename("key"))
    ddf = dd.from_pandas(indexed.iloc[:60], npartitions=3, sort=False)
    lazy = sdask.evaluate(ddf, policy, as_of=AS_OF)
    with dask.config.set(scheduler="sync"):
        rows = lazy.compute()
    assert rows.index.tolist() == indexed.index[:60].tolist()
    assert rows.dtypes.to_dict() == lazy._meta.dtypes.to_dict()
    assert {str(dtype) for dtype in rows.dtypes} == {"Int64", "Float64", "boolean", "string"}
    assert rows.columns[:2].tolist() == ["line", "id"]
    assert rows.columns[-2:].tolist() == list(sdask.REJECTION_COLUMNS)


@pytest.fixture(scope="module")
def sample(frame, policy):
    """The first 48 rows (two of them rejected), their rows in one partition and their local summary by month."""
    df = frame.iloc[:48].copy()
    df.loc[5, "priority"] = "P7"
    df.loc[40, "created_at"] = "2025-10-02 10:00"  # naive, no assume_tz
    rows, _ = sdask.evaluate_frame(df, policy, as_of=AS_OF)
    return df, rows, summarize(evaluate_many(from_dataframe(df), policy, as_of=AS_OF)).to_dict()


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(0, 48), max_size=6), split_every=st.integers(2, 4), limit=st.sampled_from([5, 10_000]))
def test_any_partitioning_gives_the_same_rows_and_summary(sample, policy, cuts, split_every, limit):
    df, expected_rows, _ = sample
    bounds = [0, *sorted(cuts), len(df)]  # repeated cuts make empty partitions
    pieces = [dask.delayed(df.iloc[a:b]) for a, b in itertools.pairwise(bounds)]
    ddf = dd.from_delayed(pieces, meta=df.iloc[:0], verify_meta=False)
    # a small limit puts the handling-time distributions past exact values, into the sketch
    with mock.patch.object(sketching, "EXACT_LIMIT", limit), dask.config.set(scheduler="sync"):
        expected = summarize(evaluate_many(from_dataframe(df), policy, as_of=AS_OF), by=("week",)).to_dict()
        lazy_rows, lazy_summary = sdask.evaluate_and_summarize(
            ddf, policy, as_of=AS_OF, by=("week",), split_every=split_every
        )
        parts, summary = dask.compute(lazy_rows.to_delayed(), lazy_summary)
    assert summary.to_dict() == expected
    assert expected["overall"]["handling_time"]["business"]["exact"] is (limit > len(df))
    pd.testing.assert_frame_equal(pd.concat(parts), expected_rows)


def test_partials_of_evaluate_frame_pickle_and_merge_into_the_whole(sample, policy):
    df, expected_rows, expected = sample
    merged = Accumulator(policy=policy, as_of=AS_OF)
    pieces = []
    for start in (0, 17, 30):
        stop = {0: 17, 17: 30, 30: len(df)}[start]
        rows, partial = sdask.evaluate_frame(df.iloc[start:stop], "p1-p3", as_of=AS_OF, first_line=start + 1)
        merged.merge(roundtrip(partial))
        pieces.append(rows)
    assert merged.finish().to_dict() == expected
    pd.testing.assert_frame_equal(pd.concat(pieces), expected_rows)


def test_a_policy_travels_as_its_config_and_is_rebuilt_once_per_process(frame, policy):
    job = sdask._Job(policy, AS_OF, list(frame.columns), ("month",), {})
    first, second = roundtrip(job), roundtrip(job)
    assert first is second
    assert first is not job
    assert first.policy.config == policy.config
    assert first.header == job.header
    later = sdask._Job(policy, AS_OF, list(frame.columns), ("week",), {"assume_tz": "Asia/Shanghai"})
    assert roundtrip(later) is not first
    assert roundtrip(later).policy is first.policy  # its calendars stay warm for the next call


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # dask's parquet reader under pandas 3
def test_lines_count_the_partitions_the_evaluation_reads(frame, policy, tmp_path):
    # read_parquet may partition a projection of the frame differently from the whole frame
    dd.from_pandas(frame.iloc[:90], npartitions=3).to_parquet(tmp_path / "in", write_index=False)
    ddf = dd.read_parquet(tmp_path / "in")
    with dask.config.set(scheduler="sync"):
        rows = sdask.evaluate(ddf, policy, as_of=AS_OF).compute()
    assert rows["line"].tolist() == list(range(1, 91))
    assert rows["id"].tolist() == frame["id"].iloc[:90].tolist()


def test_column_map_and_assume_tz_apply_to_every_partition(frame, policy):
    df = frame.iloc[:30].rename(columns={"created_at": "Created", "priority": "级别"})
    df["Created"] = df["Created"].str.slice(0, 16)  # naive: local Shanghai times
    ddf = dd.from_pandas(df, npartitions=2)
    with dask.config.set(scheduler="sync"):
        rows = sdask.evaluate(
            ddf,
            policy,
            as_of=AS_OF,
            column_map={"created_at": "Created", "priority": "级别"},
            assume_tz="Asia/Shanghai",
        ).compute()
    assert rows["rejected"].isna().all()
    assert rows["created_at"].iloc[0] == frame["created_at"].iloc[0][:16] + ":00+08:00"


def test_the_date_order_applies_to_every_partition(frame, policy):
    df = frame.iloc[:30].copy()
    df["created_at"] = pd.to_datetime(df["created_at"].str.slice(0, 16)).dt.strftime("%d/%m/%Y %H:%M")
    ddf = dd.from_pandas(df, npartitions=3)
    with dask.config.set(scheduler="sync"):
        told = sdask.evaluate(ddf, policy, as_of=AS_OF, assume_tz="Asia/Shanghai", date_order="dmy").compute()
        guessed = sdask.evaluate(ddf, policy, as_of=AS_OF, assume_tz="Asia/Shanghai").compute()
    assert told["rejected"].isna().all()
    assert list(told["created_at"].str.slice(0, 16)) == list(frame["created_at"].iloc[:30].str.slice(0, 16))
    ambiguous = guessed["rejected_kind"] == "ambiguous date in created_at"
    assert ambiguous.any()
    assert (ambiguous | guessed["rejected"].isna()).all()
    rows, _ = sdask.evaluate_frame(df, policy, as_of=AS_OF, assume_tz="Asia/Shanghai", date_format="%d/%m/%Y %H:%M")
    assert rows["rejected"].isna().all()


def test_the_value_map_applies_to_every_partition_and_warnings_are_counted(frame, policy, tmp_path):
    df = frame.iloc[:30].copy()
    df["priority"] = df["priority"].map({"P1": "Urgent", "P2": "high", "P3": "ＬＯＷ"})
    df.loc[df.index[:4], "agent_replies"] = "0"  # with a first response: ignored with a warning
    values = {"priority": {"urgent": "P1", "High": "P2", "low": "P3"}}
    ddf = dd.from_pandas(df, npartitions=3)
    with dask.config.set(scheduler="sync"):
        rows = sdask.evaluate(ddf, policy, as_of=AS_OF, value_map=values).compute()
        summary = sdask.summarize(ddf, policy, as_of=AS_OF, value_map=values, by=BY)
    assert list(rows["priority"]) == list(frame["priority"].iloc[:30])
    local = run(df, policy, as_of=AS_OF, out_dir=tmp_path, formats=(), value_map=values, by=BY)
    assert summary.to_dict() == local.summary.to_dict()
    replied = int(df["first_response_at"].iloc[:4].notna().sum())
    assert summary.warnings_total == local.warnings
    assert summary.warning_reasons["agent_replies 0 with a first response"] == replied > 0
    with pytest.raises(ConfigError, match="no priority of the policy"):
        sdask.evaluate(ddf, policy, as_of=AS_OF, value_map={"priority": {"Urgent": "P0"}})


def test_bad_arguments_are_refused_before_anything_runs(frame, policy):
    ddf = dd.from_pandas(frame.iloc[:10], npartitions=1)
    with pytest.raises(ConfigError, match=r"dask\.dataframe\.DataFrame"):
        sdask.evaluate(frame, policy, as_of=AS_OF)
    with pytest.raises(ConfigError, match="'created_at'"):
        sdask.summarize(ddf.drop(columns=["created_at"]), policy, as_of=AS_OF)
    with pytest.raises(ConfigError, match="split_every"):
        sdask.summarize(ddf, policy, as_of=AS_OF, split_every=1)
    with pytest.raises(ConfigError, match="'by'"):
        sdask.summarize(ddf, policy, as_of=AS_OF, by=("colour",))
    with pytest.raises(ConfigError, match="first_line"):
        sdask.evaluate_frame(frame.iloc[:3], policy, as_of=AS_OF, first_line=0)
    with pytest.raises(NaiveDatetimeError):
        sdask.evaluate(ddf, policy, as_of=datetime(2025, 10, 31))


BLOCK_DASK = """
import sys

class NoDask:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("dask", "distributed"):
            raise ImportError(f"no {name} here")

sys.meta_path.insert(0, NoDask())
"""


def test_slakit_batch_needs_no_dask_and_evaluate_frame_none_either(tmp_path):
    code = (
        BLOCK_DASK
        + """
import slakit.batch
assert "slakit.batch.dask" not in sys.modules
from datetime import datetime
from zoneinfo import ZoneInfo
import pandas as pd
from slakit.batch.dask import evaluate, evaluate_frame
frame = pd.DataFrame({"id": ["T1"], "created_at": ["2025-10-09T10:00:00+08:00"], "priority": ["P2"]})
rows, partial = evaluate_frame(frame, "p1-p3", as_of=datetime(2025, 10, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
assert rows["id"].tolist() == ["T1"] and partial.evaluated == 1
try:
    evaluate(frame, "p1-p3", as_of=datetime(2025, 10, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
except ValueError as exc:
    assert "pip install 'slakit[dask]'" in str(exc), exc
else:
    raise AssertionError("evaluate ran without Dask")
"""
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)


@pytest.fixture(scope="module")
def plain_policy(tmp_path_factory):
    """p1-p3 without its escalation rules (which keep the row engine): a policy the columnar engine can take."""
    import yaml

    config = yaml.safe_load((Path(presets.__file__).parent / "p1-p3.yaml").read_text(encoding="utf-8"))
    config.pop("escalation")
    config["name"] = "p1-p3-plain"
    path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return presets.resolve(path)


@pytest.fixture(scope="module")
def plain_local(frame, plain_policy, tmp_path_factory):
    """The local run of the frame under the plain policy, on the engine the environment chooses (auto)."""
    out = tmp_path_factory.mktemp("plain")
    outcome = run(frame, plain_policy, as_of=AS_OF, out_dir=out, formats=(), by=BY)
    return outcome, out


def _cuts(total: int, sizes: list[int]) -> list[tuple[int, int]]:
    bounds = [0]
    for size in itertools.cycle(sizes):
        if bounds[-1] >= total:
            break
        bounds.append(min(total, bounds[-1] + size))
    return list(itertools.pairwise(bounds))


def test_partitions_evaluated_one_at_a_time_give_the_files_of_one_run(frame, plain_policy, plain_local):
    """Pandas partitions and Arrow batches, evaluated by evaluate_partition (as mapInArrow would), give run()'s
    per-ticket files line for line and, merged, its summary."""
    import pyarrow as pa

    outcome, out = plain_local
    texts: dict[str, list[bytes]] = {name: [] for name in ("results.csv", "results.jsonl", "rejected.csv")}
    merged = Accumulator(BY, policy=plain_policy, as_of=AS_OF)
    engines: dict[str, int] = {}
    for index, (start, stop) in enumerate(_cuts(len(frame), [37, 101, 5, 64])):
        piece = frame.iloc[start:stop]
        rows = pa.Table.from_pandas(piece, preserve_index=False).to_batches()[0] if index % 2 else piece
        part = sdask.evaluate_partition(rows, plain_policy, as_of=AS_OF, first_line=start + 1, by=BY)
        assert part.rows == stop - start
        texts["results.csv"].append(part.results_csv)
        texts["results.jsonl"].append(part.results_jsonl)
        texts["rejected.csv"].append(part.rejected_csv)
        merged.merge(roundtrip(part.summary))
        for name, n in part.engines.items():
            engines[name] = engines.get(name, 0) + n
    for name, parts in texts.items():
        whole = (out / name).read_bytes()
        if name != "results.jsonl":  # the byte-order mark and the header come first
            whole = whole.split(b"\r\n", 1)[1]
        assert b"".join(parts) == whole, name
    assert merged.finish().to_dict() == outcome.summary.to_dict()
    assert engines == dict(outcome.engines)


def test_a_local_cluster_summarizes_on_either_engine_as_one_run(client, frame, plain_policy, plain_local):
    outcome, _ = plain_local
    expected = outcome.summary.to_dict()
    arrow_backed = frame.astype("string[pyarrow]")
    for source in (frame, arrow_backed):
        ddf = dd.from_pandas(source, npartitions=4)
        for engine in ("auto", "rows"):
            found = sdask.summarize(ddf, plain_policy, as_of=AS_OF, by=BY, split_every=3, engine=engine)
            assert found.to_dict() == expected, engine


def test_the_engine_is_checked_before_anything_runs(frame, policy, tmp_path):
    import yaml

    ddf = dd.from_pandas(frame, npartitions=2)
    with pytest.raises(ConfigError, match="'engine'"):
        sdask.summarize(ddf, policy, as_of=AS_OF, engine="fast")
    config = yaml.safe_load((Path(presets.__file__).parent / "p1-p3.yaml").read_text(encoding="utf-8"))
    reply = {"event": "reply", "author": "agent", "public": True}
    config["metrics"] = {"followup": {"start": ["created", reply], "stop": [reply], "repeat": True}}
    rule = {"name": "follow-up-late", "when": {"fact": "sla.followup.state", "op": "eq", "value": "breached"}}
    config["escalation"]["rules"].append({**rule, "level": 0})
    defined = tmp_path / "defined.yaml"
    defined.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="defines by events"):  # a rule the columnar engine cannot fire
        sdask.summarize(ddf, presets.resolve(defined), as_of=AS_OF, engine="columnar")
    with pytest.raises(ConfigError, match="'rows'"):
        sdask.evaluate_partition([1, 2], policy, as_of=AS_OF)


def test_run_refuses_a_dask_frame_naming_what_it_takes(frame, tmp_path):
    """A Dask DataFrame looks like a pandas one (itertuples): run() refuses it; the functions here take it."""
    with pytest.raises(ConfigError, match="pandas DataFrame"):
        run(dd.from_pandas(frame, npartitions=2), "p1-p3", as_of=AS_OF, out_dir=tmp_path / "out")
