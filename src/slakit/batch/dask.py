"""The batch evaluation on a Dask DataFrame of flat rows, for exports larger than one machine (docs/scale.md).

Each partition is read like :func:`~slakit.batch.from_dataframe`, evaluated like
:func:`~slakit.batch.evaluate_many` and reduced to per-ticket result rows (the columns of
results.csv) and a partial :class:`~slakit.batch.Accumulator`; the partials are merged in a tree,
which gives exactly the summary of one local run. :func:`summarize` evaluates each partition as
:func:`~slakit.batch.run` evaluates a table (:func:`evaluate_partition`: the columnar engine where it
can, the row engine for every other row), so its partials are those of a local run's chunks. A
row's ``line`` is its 1-based position in the whole frame, as :func:`~slakit.batch.run` numbers a
pandas DataFrame, so the partition lengths are counted first (one extra pass over the input:
``persist()`` it beforehand when it fits in memory).

Dask is the optional extra ``slakit[dask]``: this module imports it only when a Dask function is
called, so :func:`evaluate_frame` (one pandas partition) also serves Spark's ``mapInPandas``, and
:func:`evaluate_partition` (a pandas partition or an Arrow batch) Spark's ``mapInArrow``. A
policy travels to the workers as its configuration and is rebuilt once per worker process.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from slakit import presets
from slakit.batch.accumulator import Accumulator
from slakit.batch.dataframe import from_dataframe
from slakit.batch.evaluation import Evaluator
from slakit.batch.facts import Context, TicketFacts, check_by
from slakit.batch.frames import as_part
from slakit.batch.output import TicketWriter
from slakit.batch.pipeline import PartResult, TableEvaluation, choose_engine
from slakit.batch.records import Rejected
from slakit.batch.summary import Summary
from slakit.batch.values import ValueMap
from slakit.errors import ConfigError
from slakit.instants import require_aware
from slakit.policy import ServicePolicy, ServicePolicyConfig
from slakit.sla import Policy

if TYPE_CHECKING:
    import pandas as pd
    from dask.dataframe import DataFrame as DaskFrame
    from dask.delayed import Delayed

__all__ = [
    "REJECTION_COLUMNS",
    "PartResult",
    "evaluate",
    "evaluate_and_summarize",
    "evaluate_frame",
    "evaluate_partition",
    "summarize",
]

REJECTION_COLUMNS = ("rejected_kind", "rejected")
"""The columns after results.csv's: a rejected row's short kind and full reason (missing for evaluated rows)."""

_PolicyArg = ServicePolicy | Policy | str | os.PathLike[str]
_By = str | tuple[str, ...] | list[str]

_FLAGS = frozenset({"resolved", "first_contact_resolution", "survey_follow_up"})
_INTEGERS = frozenset({"line", "public_agent_replies", "reopens", "complaints", "escalation_level"})


def _dtype(column: str) -> str:
    if column in _FLAGS:
        return "boolean"
    if column in _INTEGERS:
        return "Int64"
    if column.endswith("_hours") or column == "survey_overall":
        return "Float64"
    return "string"


class _Job:
    """What every partition needs: the evaluator, the summary context and the columns, for one frame and policy.

    It pickles as the policy's configuration (a policy holds locks and large calendar tables) and is
    rebuilt at most once per process, keyed by a random id; the policy at most once per process and
    configuration.
    """

    def __init__(
        self,
        policy: ServicePolicy,
        as_of: datetime,
        columns: Sequence[str],
        by: tuple[str, ...],
        reading: Mapping[str, Any],
        key: str | None = None,
        engine: str | None = None,
    ) -> None:
        self.key = key or uuid.uuid4().hex
        self.policy, self.as_of, self.columns, self.by = policy, as_of, tuple(columns), by
        column_map = reading.get("column_map")
        self.reading = {**reading, "column_map": dict(column_map) if column_map is not None else None}
        self.engine = choose_engine(engine)  # chosen where the job is made, not by each worker's environment
        # a bad frame, date order, value map (to a priority the policy does not have) or engine fails here
        self.table = TableEvaluation(policy, as_of, self.columns, by, self.reading, self.engine)
        self.evaluator: Evaluator = self.table.evaluator
        self.context: Context = self.table.context
        self.writer = TicketWriter(self.context.metrics)
        self.header: tuple[str, ...] = (*self.writer.header, *REJECTION_COLUMNS)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        args = (self.key, self.policy.config, self.as_of, self.columns, self.by, self.reading, self.engine)
        return _restore, args

    def meta(self) -> pd.DataFrame:
        """An empty frame with the result columns and their dtypes."""
        import pandas as pd

        return pd.DataFrame({column: _array(column, []) for column in self.header})

    def run(self, df: pd.DataFrame, first_line: int, *, summary: bool) -> tuple[pd.DataFrame, Accumulator | None]:
        """The result rows of partition ``df`` (its index kept) and, if asked, its partial summary."""
        import pandas as pd

        partial = Accumulator(self.by, as_of=self.as_of) if summary else None
        evaluator, context, writer = self.evaluator, self.context, self.writer
        width = len(self.header) - len(REJECTION_COLUMNS)
        records: list[list[Any]] = []
        items = from_dataframe(df, first_line=first_line, **self.reading)
        for position, item in enumerate(items, start=first_line):
            result, timeline = evaluator.evaluate_with_timeline(item, position)
            if result.rejected is not None:
                rejection = result.rejection or Rejected(result.line, result.ticket_id, result.rejected)
                if partial is not None:
                    partial.add_rejected(rejection)
                row: list[Any] = [None] * width
                row[0], row[1] = rejection.line, rejection.id
                records.append([*row, rejection.kind, rejection.reason])
                continue
            facts = TicketFacts.from_result(result, context, timeline)
            if partial is not None:
                partial.add_facts(facts)
            records.append([*writer.csv_row(facts), None, None])
        cells: list[Sequence[Any]] = list(zip(*records, strict=True)) if records else [()] * len(self.header)
        data = {column: _array(column, values) for column, values in zip(self.header, cells, strict=True)}
        return pd.DataFrame(data, index=df.index), partial


# Per process: jobs by their id, and policies by their configuration, so that a worker warms a
# policy's calendars once for all the calls that use it. Both are small and bounded.
_JOBS: dict[str, _Job] = {}
_POLICIES: dict[str, ServicePolicy] = {}
_KEPT = 8


def _remember(cache: dict[str, Any], key: str, value: Any) -> None:
    while len(cache) >= _KEPT:
        cache.pop(next(iter(cache)))
    cache[key] = value


def _policy_of(config: ServicePolicyConfig) -> ServicePolicy:
    digest = hashlib.sha256(config.model_dump_json().encode()).hexdigest()
    policy = _POLICIES.get(digest)
    if policy is None:
        policy = ServicePolicy.from_config(config)
        _remember(_POLICIES, digest, policy)
    return policy


def _restore(
    key: str,
    config: ServicePolicyConfig,
    as_of: datetime,
    columns: tuple[str, ...],
    by: tuple[str, ...],
    reading: dict[str, Any],
    engine: str,
) -> _Job:
    job = _JOBS.get(key)
    if job is None:
        job = _Job(_policy_of(config), as_of, columns, by, reading, key=key, engine=engine)
        _remember(_JOBS, key, job)
    return job


def _array(column: str, values: Sequence[Any]) -> Any:
    import pandas as pd

    dtype: Any = _dtype(column)  # pandas-stubs cannot follow a dtype chosen at run time
    if dtype == "boolean":
        values = [value if value is None or isinstance(value, bool) else value == "true" for value in values]
    elif dtype == "string":
        values = [value if value is None or isinstance(value, str) else str(value) for value in values]
    return pd.array(values, dtype=dtype)


def _check(as_of: datetime, by: _By, split_every: int = 2) -> tuple[str, ...]:
    require_aware(as_of, "as_of")
    if not isinstance(split_every, int) or isinstance(split_every, bool) or split_every < 2:
        raise ConfigError.for_value("split_every", split_every, "a whole number of partial summaries, 2 or more")
    return check_by(by)


def evaluate_frame(  # noqa: PLR0913 -- the frame, the policy and how rows are read, as for run()
    df: pd.DataFrame,
    policy: _PolicyArg,
    *,
    as_of: datetime,
    first_line: int = 1,
    by: _By = ("month",),
    column_map: Mapping[str, str] | None = None,
    assume_tz: str | tzinfo | None = None,
    date_order: str | None = None,
    date_format: str | None = None,
    value_map: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[pd.DataFrame, Accumulator]:
    """One pandas frame of flat rows (a partition): its result rows and its partial summary; needs no Dask.

    The rows are those of :func:`evaluate` (``df``'s index kept, lines from ``first_line``); the
    :class:`~slakit.batch.Accumulator` pickles, and merged into
    ``Accumulator(by, policy=policy, as_of=as_of)`` with the other partitions' it finishes into the
    summary of the whole input. This is the building block of the Spark recipe in docs/scale.md.
    """
    groups = _check(as_of, by)
    if not isinstance(first_line, int) or isinstance(first_line, bool) or first_line < 1:
        raise ConfigError.for_value("first_line", first_line, "a whole number, 1 or more")
    reading = _reading(column_map, assume_tz, date_order, date_format, value_map)
    job = _Job(presets.resolve(policy), as_of, [str(c) for c in df.columns], groups, reading)
    rows, partial = job.run(df, first_line, summary=True)
    assert partial is not None  # noqa: S101 -- asked for
    return rows, partial


def evaluate_partition(  # noqa: PLR0913 -- the rows, the policy and how rows are read, as for run()
    rows: Any,
    policy: _PolicyArg,
    *,
    as_of: datetime,
    first_line: int = 1,
    by: _By = ("month",),
    engine: str | None = None,
    column_map: Mapping[str, str] | None = None,
    assume_tz: str | tzinfo | None = None,
    date_order: str | None = None,
    date_format: str | None = None,
    value_map: Mapping[str, Mapping[str, str]] | None = None,
) -> PartResult:
    """One partition of flat rows (a pandas DataFrame, an Arrow table or record batch, a polars DataFrame)
    evaluated exactly as :func:`~slakit.batch.run` evaluates those rows of a table; needs no Dask.

    ``engine`` as for ``run`` (the columnar engine where it can, the row engine for every other row, by
    default). The :class:`~slakit.batch.pipeline.PartResult` holds the lines of each per-ticket file (those of
    ``run``'s files, lines numbered from ``first_line``) and the partial
    :class:`~slakit.batch.Accumulator`, which pickles; merged into ``Accumulator(by, policy=policy,
    as_of=as_of)`` with the other partitions' it finishes into the summary of the whole input. What is worked
    out once per policy and columns (the evaluator, the columnar plan and its caches) is kept for the next
    partition in the same process. This is what :func:`summarize` runs on each partition, and the building block
    of the Spark recipe (``mapInArrow``) in docs/scale.md.
    """
    groups = _check(as_of, by)
    if not isinstance(first_line, int) or isinstance(first_line, bool) or first_line < 1:
        raise ConfigError.for_value("first_line", first_line, "a whole number, 1 or more")
    reading = _reading(column_map, assume_tz, date_order, date_format, value_map)
    part = as_part(rows)
    columns = part.columns()
    resolved = presets.resolve(policy)
    key = hashlib.sha256(
        repr(
            (resolved.config.model_dump_json(), repr(as_of), columns, groups, sorted(reading.items(), key=str),
             choose_engine(engine))
        ).encode()
    ).hexdigest()  # fmt: skip
    job = _JOBS.get(key)
    if job is None:
        job = _Job(resolved, as_of, columns, groups, reading, key=key, engine=engine)
        _remember(_JOBS, key, job)
    return job.table.evaluate(part, first_line)


# Tasks run on the workers: module-level functions, so that they pickle by name.


def _rows_task(df: pd.DataFrame, job: _Job, first_line: int) -> pd.DataFrame:
    return job.run(df, first_line, summary=False)[0]


def _summary_task(df: pd.DataFrame, job: _Job, first_line: int) -> Accumulator:
    return job.table.evaluate(df, first_line).summary


def _both_task(df: pd.DataFrame, job: _Job, first_line: int) -> tuple[pd.DataFrame, Accumulator | None]:
    return job.run(df, first_line, summary=True)


def _merge_task(*partials: Accumulator) -> Accumulator:
    merged = Accumulator(partials[0].by)  # a fresh one: a task must not change its inputs
    for partial in partials:
        merged.merge(partial)
    return merged


def _finish_task(partial: Accumulator, job: _Job) -> Summary:
    return Accumulator(job.by, policy=job.policy, as_of=job.as_of).merge(partial).finish()


def _plan(
    ddf: DaskFrame,
    policy: _PolicyArg,
    as_of: datetime,
    by: tuple[str, ...],
    reading: dict[str, Any],
    engine: str | None = None,
) -> tuple[_Job, Delayed, list[Delayed], list[int]]:
    """The job, the job as one graph key, the partitions and each partition's first line."""
    dask, dd = _dask()
    if not isinstance(ddf, dd.DataFrame):
        raise ConfigError.for_value("ddf", type(ddf).__name__, "a dask.dataframe.DataFrame")
    job = _Job(presets.resolve(policy), as_of, [str(c) for c in ddf.columns], by, reading, engine=engine)
    parts = list(ddf.to_delayed())
    # Counted on these very partitions (a projection of the frame may be partitioned differently),
    # now, so that no partition's evaluation waits in memory for the length of every other one.
    lengths = dask.compute(*[dask.delayed(len, pure=True)(part) for part in parts])
    firsts, line = [], 1
    for length in lengths:
        firsts.append(line)
        line += int(length)
    shared = dask.delayed(job, name=f"slakit-job-{job.key}")  # sent to each worker once
    return job, shared, parts, firsts


def _reading(
    column_map: Mapping[str, str] | None,
    assume_tz: str | tzinfo | None,
    date_order: str | None,
    date_format: str | None,
    value_map: Mapping[str, Mapping[str, str]] | None,
) -> dict[str, Any]:
    """How the flat rows are read, as :class:`~slakit.batch.FlatLayout` takes it."""
    return {
        "column_map": column_map,
        "assume_tz": assume_tz,
        "date_order": date_order,
        "date_format": date_format,
        "value_map": ValueMap.of(value_map),
    }


def _divisions(ddf: DaskFrame, frames: list[Delayed]) -> tuple[Any, ...] | None:
    """``ddf``'s divisions for the result rows, when they describe the same partitions."""
    divisions: tuple[Any, ...] = tuple(ddf.divisions)
    return divisions if len(divisions) == len(frames) + 1 else None


def _dask() -> tuple[Any, Any]:
    """The ``dask`` and ``dask.dataframe`` modules, or a ConfigError saying how to install them."""
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ConfigError("slakit.batch.dask needs Dask: pip install 'slakit[dask]'", path="ddf") from exc
    return dask, dd


def _reduce(partials: list[Delayed], split_every: int) -> Delayed:
    from dask.delayed import delayed

    merge = delayed(_merge_task, pure=True)
    while len(partials) > 1:
        partials = [merge(*partials[i : i + split_every]) for i in range(0, len(partials), split_every)]
    return partials[0]


def evaluate(
    ddf: DaskFrame,
    policy: _PolicyArg,
    *,
    as_of: datetime,
    column_map: Mapping[str, str] | None = None,
    assume_tz: str | tzinfo | None = None,
    date_order: str | None = None,
    date_format: str | None = None,
    value_map: Mapping[str, Mapping[str, str]] | None = None,
) -> DaskFrame:
    """Every row of ``ddf`` (flat export rows) evaluated: a lazy Dask DataFrame of result rows, in input order.

    One row per input row, with ``ddf``'s index and divisions: the columns of results.csv (dtypes
    ``Int64``, ``Float64``, ``boolean`` and ``string``; instants are ISO 8601 text in the policy's
    zone, as in the file), then :data:`REJECTION_COLUMNS`. An evaluated row has no ``rejected``;
    a rejected one has only ``line``, ``id`` and the rejection. ``line`` is the row's 1-based
    position in the whole frame. ``policy`` is a :class:`~slakit.sla.Policy`, a preset name or a
    policy file; ``column_map``, ``assume_tz``, ``date_order``, ``date_format`` and ``value_map`` as for
    :func:`~slakit.batch.read`. Counting the
    partitions' rows happens now; the evaluation when the result is computed.
    """
    dask, dd = _dask()
    _check(as_of, ())
    reading = _reading(column_map, assume_tz, date_order, date_format, value_map)
    job, shared, parts, firsts = _plan(ddf, policy, as_of, (), reading)
    task = dask.delayed(_rows_task, pure=True)
    frames = [task(part, shared, first) for part, first in zip(parts, firsts, strict=True)]
    rows: DaskFrame = dd.from_delayed(frames, meta=job.meta(), divisions=_divisions(ddf, frames), verify_meta=False)
    return rows


def evaluate_and_summarize(  # noqa: PLR0913 -- the frame, the policy and how rows are read, as for run()
    ddf: DaskFrame,
    policy: _PolicyArg,
    *,
    as_of: datetime,
    by: _By = ("month",),
    column_map: Mapping[str, str] | None = None,
    assume_tz: str | tzinfo | None = None,
    split_every: int = 8,
    date_order: str | None = None,
    date_format: str | None = None,
    value_map: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[DaskFrame, Delayed]:
    """:func:`evaluate` and :func:`summarize` in one pass: the lazy result rows and the lazy :class:`Summary`.

    Compute both together, so that each partition is evaluated once, e.g.
    ``_, summary = dask.compute(rows.to_parquet(path, compute=False), summary)``.
    """
    dask, dd = _dask()
    groups = _check(as_of, by, split_every)
    reading = _reading(column_map, assume_tz, date_order, date_format, value_map)
    job, shared, parts, firsts = _plan(ddf, policy, as_of, groups, reading)
    task = dask.delayed(_both_task, pure=True, nout=2)
    outputs = [task(part, shared, first) for part, first in zip(parts, firsts, strict=True)]
    frames = [out[0] for out in outputs]
    rows = dd.from_delayed(frames, meta=job.meta(), divisions=_divisions(ddf, frames), verify_meta=False)
    summary = dask.delayed(_finish_task, pure=True)(_reduce([out[1] for out in outputs], split_every), shared)
    return rows, summary


def summarize(  # noqa: PLR0913 -- the frame, the policy and how rows are read, as for run()
    ddf: DaskFrame,
    policy: _PolicyArg,
    *,
    as_of: datetime,
    by: _By = ("month",),
    column_map: Mapping[str, str] | None = None,
    assume_tz: str | tzinfo | None = None,
    split_every: int = 8,
    date_order: str | None = None,
    date_format: str | None = None,
    value_map: Mapping[str, Mapping[str, str]] | None = None,
    engine: str | None = None,
) -> Summary:
    """The :class:`~slakit.batch.Summary` of every row of ``ddf``, exactly as one local run gives it.

    Each partition is evaluated on a worker as :func:`~slakit.batch.run` evaluates a table's rows
    (:func:`evaluate_partition`: ``engine`` as for ``run``, the columnar engine where it can by default)
    into a partial :class:`~slakit.batch.Accumulator`; they are merged ``split_every`` at a time in a
    tree, and the root finishes into the summary. Arguments as for :func:`evaluate`; ``by`` as for
    :func:`~slakit.batch.summarize`.
    """
    dask, _ = _dask()
    groups = _check(as_of, by, split_every)
    reading = _reading(column_map, assume_tz, date_order, date_format, value_map)
    job, shared, parts, firsts = _plan(ddf, policy, as_of, groups, reading, engine)
    task = dask.delayed(_summary_task, pure=True)
    root = _reduce([task(part, shared, first) for part, first in zip(parts, firsts, strict=True)], split_every)
    (partial,) = dask.compute(root)
    return _finish_task(partial, job)
