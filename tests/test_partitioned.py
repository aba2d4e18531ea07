"""csctl numbers measured in customer partitions (issue 15): each part by the same core, the additive parts summed,
ratios recomputed — the same bridge, metrics and notes as one run over the whole export, here and on a local Dask
cluster of two workers."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import polars as pl
import pytest

from csctl.core import numbers as nb
from csctl.core import partitioned as pt
from csctl.core.mrr import BillingRules
from csctl.distributed import ThreadEngine
from csctl.io.load import load_revenue
from csctl.io.parse import ReadOptions
from tests.conftest import Invoke
from tests.helpers import ok, write_csv

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
HEADER = ["customer_id", "product", "plan", "quantity", "amount", "period_start", "period_end", "status"]

# every quirk the parts must agree on: exclusive ends (decided over the whole export), statuses known and unknown,
# one-off and refund lines, a proration of a seat change, credits on lines of their own, a weekly plan, an annual
# term, churn and a return
QUIRKS = [
    HEADER,
    *[["A", "core", "pro", 10, 100, f"2024-{m:02d}-01", f"2024-{m + 1:02d}-01", "paid"] for m in range(1, 9)],
    ["A", "core", "pro", 5, 25.81, "2024-03-20", "2024-04-01", "paid"],  # 5 more seats from Mar 20
    ["A", "", "", None, -10, "2024-04-01", "2024-05-01", "paid"],  # a discount line
    *[["B", "core", "basic", 1, 50, f"2024-{m:02d}-15", f"2024-{m + 1:02d}-15", "Paid"] for m in range(1, 5)],
    *[["B", "core", "basic", 1, 50, f"2024-{m:02d}-15", f"2024-{m + 1:02d}-15", "open"] for m in range(7, 9)],
    ["B", "setup", "", 1, 300, "2024-01-15", "2024-01-15", "paid"],  # one-off
    ["B", "core", "", None, -20, "2024-02-20", None, "refunded"],  # a refund
    ["C", "core", "annual", 2, 2400, "2024-02-01", "2025-02-01", "paid"],
    *[["D", "addon", "weekly", 1, 25, f"2024-06-{d:02d}", f"2024-06-{d + 7:02d}", "paid"] for d in (1, 8, 15)],
    ["E", "core", "pro", 3, 30, "2024-05-01", "2024-06-01", "void"],
    ["E", "core", "pro", 3, 30, "2024-05-01", "2024-06-01", "on_hold"],  # unknown status: counted, noted
    *[["F", "core", "pro", 1, 10, f"2024-{m:02d}-01", f"2024-{m + 1:02d}-01", ""] for m in range(2, 8)],
    ["F", "core", "pro", 1, -10, "2024-05-01", "2024-06-01", "credited"],  # a credit note cancelling May
    ["G", "core", "basic", 4, 40, "2024-08-01", "2024-09-01", "paid"],
]


def _load(path: Path) -> tuple[str, pl.DataFrame]:
    kind, canonical = load_revenue(str(path), None, ReadOptions())
    return kind, canonical.frame.drop("__row", strict=False)


def _same_as_whole(path: Path, rules: BillingRules, counts: tuple[int, ...]) -> None:
    kind, frame = _load(path)
    for view in pt.VIEWS:
        settings = nb.NumbersSettings(view=view, billing=rules)
        whole = nb.compute_view(nb.measure(kind, frame.lazy(), None, settings), kind, settings)
        for n in counts:
            parts = pt.partition(frame, n)
            assert sum(p.height for p in parts) == frame.height
            taken = pt.split(frame, n)  # the same parts, each taken from the whole when measured
            loaded = [p.load() for p in taken if len(p.rows)]
            assert len(loaded) == len(parts) and all(any(x.equals(q) for q in parts) for x in loaded)
            for each, engine in ((parts, None), (taken, None), (taken, ThreadEngine(2))):  # two at once too
                got = nb.compute_view(pt.measure_partitioned(each, None, settings, engine), kind, settings)
                for name, table in whole.tables.items():
                    assert got.tables[name].frame.equals(table.frame), (view, n, name)
                assert got.metrics == whole.metrics, (view, n)
                assert got.notes == whole.notes, (view, n)


def test_partitions_keep_each_customer_whole() -> None:
    frame = pl.DataFrame({"customer_id": [str(i % 50) for i in range(1000)], "x": range(1000)})
    parts = pt.partition(frame, 4)
    owners = [set(p["customer_id"]) for p in parts]
    assert sum(len(o) for o in owners) == 50  # no customer in two parts
    assert sorted(pl.concat(parts)["x"].to_list()) == list(range(1000))


def test_every_quirk_partitioned_equals_the_whole(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "billing.csv", QUIRKS)
    kind, frame = _load(path)
    whole = nb.measure(kind, frame.lazy(), None, nb.NumbersSettings(billing=BillingRules(history_starts=24288)))
    assert any("exclusive" in note for note in whole.info)  # the export's convention, decided over every part
    assert any("on_hold" in note for note in whole.info)
    _same_as_whole(path, BillingRules(history_starts=24288), counts=(1, 2, 7))


def test_the_export_wide_facts_from_the_whole_equal_those_summed_over_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """billing_facts (one pass over the whole export) against billing_scan and billing_end_pairs of every part
    summed, with the end-day pairs counted on a sample of the customers and on all of them."""
    from csctl.core import mrr

    path = write_csv(tmp_path / "billing.csv", QUIRKS)
    _, frame = _load(path)
    rules = BillingRules()
    for sample in (3, 5_000):
        monkeypatch.setattr(mrr, "EXCLUSIVE_SAMPLE", sample)
        customers, latest, found = mrr.billing_facts(frame, rules)
        assert customers == 7  # A to G: E's void line is left out, its on_hold line counts
        for n in (1, 3, 7):
            parts = pt.partition(frame, n)
            scans = [pt.part_scan(p, rules=rules) for p in parts]
            assert sum(c for c, _ in scans) == customers
            assert max(d for _, d in scans if d is not None) == latest
            each = [pt.part_end_pairs(p, rules=rules, customers=customers) for p in parts]
            pairs = (sum(p[0] for p in each), sum(p[1] for p in each))
            if sample < customers:  # a sample of the customers: their lines picked from the whole export
                assert found == pairs, (sample, n)
            else:  # every customer's lines: left to the parts, not copied whole
                assert found is None
                assert pairs[0] > pairs[1]  # the export's ends are exclusive (A, B, D and F share a day)


def test_the_sample_company_partitioned_equals_the_whole(billing_csv: Path) -> None:
    _same_as_whole(billing_csv, BillingRules(), counts=(3,))


def test_the_committed_sample_partitioned_equals_the_whole() -> None:
    _same_as_whole(SAMPLE / "billing.csv", BillingRules(history_starts=2023 * 12 + 10), counts=(4,))


def test_views_of_single_customers_are_refused_partitioned(invoke: Invoke, billing_csv: Path) -> None:
    for args in (["--view", "customers"], ["--view", "cohorts"], ["--view", "bridge", "--period", "quarter"]):
        result = invoke("numbers", billing_csv, *args, "--partitions", 2)
        assert result.exit_code == 2, args
        assert "--partitions" in result.stderr


def test_a_local_dask_cluster_gives_the_single_machine_figures(cli: Invoke, tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    history = ["--history-starts", "2023-11"]
    billing = SAMPLE / "billing.csv"
    single = ok(cli("numbers", billing, "--view", "bridge", "-f", "csv", *history)).stdout
    spread = ok(
        cli("numbers", billing, "--view", "bridge", "-f", "csv", *history, "--partitions", 4, "--cluster", "local")
    )
    assert spread.stdout == single  # every bridge column of every month, to the cent
    summary = ok(cli("numbers", billing, "-f", "json", *history)).stdout
    cluster = ok(cli("numbers", billing, "-f", "json", *history, "--partitions", 3, "--cluster", "local")).stdout
    assert json.loads(cluster)["metrics"] == json.loads(summary)["metrics"]


def _chunks(folder: Path, frame: pl.DataFrame, files: int = 3) -> Path:
    """``frame`` written as a hive-partitioned Parquet dataset of ``files`` parts (as Spark or Polars write one)."""
    size = -(-frame.height // files)
    for i in range(files):
        (folder / f"chunk={i}").mkdir(parents=True)
        frame.slice(i * size, size).write_parquet(folder / f"chunk={i}" / "part-0.parquet")
    return folder


def _random_quirks(seed: int, customers: int = 36) -> list[list[object]]:
    """A random export with every quirk of QUIRKS, drawn per customer: monthly seats (periods ending on the next
    period's first day, as the whole export does: exclusive ends), a seat change prorated mid-month, a discount line
    of its own, statuses counted, left out ('void') and unknown ('on_hold'), a one-off charge, a refund without a
    period, an annual term, a weekly plan, a credit note cancelling a month, churn and a return."""
    import random

    rng = random.Random(seed)
    rows: list[list[object]] = [HEADER]

    def month(m: int) -> str:  # month m from 2023-01 (m = 0) as its first day
        return f"{2023 + m // 12}-{m % 12 + 1:02d}-01"

    for c in range(customers):
        cid, plan = f"R{seed}-{c}", rng.choice(["pro", "basic"])
        first, seats, price = rng.randint(0, 14), rng.randint(1, 30), rng.choice([10, 25, 39.5])
        last = first + rng.randint(2, 18) if rng.random() < 0.5 else 30  # half of them still paying at the end
        gap = set(range(last - 3, last - 1)) if rng.random() < 0.25 else set()  # churn, then a return
        for m in range(first, last):
            if m not in gap:
                status = rng.choice(["paid", "paid", "Paid", "open", "", "void", "on_hold"])
                rows.append([cid, "core", plan, seats, round(seats * price, 2), month(m), month(m + 1), status])
        if rng.random() < 0.4:  # more seats from day 20 of a month: a proration to the month's end
            m, more = rng.randint(first, last - 1), rng.randint(1, 5)
            rows.append(
                [cid, "core", plan, more, round(more * price * 12 / 31, 2), month(m)[:8] + "20", month(m + 1), "paid"]
            )
        if rng.random() < 0.3:
            m = rng.randint(first, last - 1)
            rows.append([cid, "", "", None, -round(rng.uniform(1, 20), 2), month(m), month(m + 1), "paid"])
        if rng.random() < 0.3:
            rows.append([cid, "setup", "", 1, 300, month(first), month(first), "paid"])
        if rng.random() < 0.3:
            rows.append([cid, "core", "", None, -20, month(first)[:8] + "12", None, "refunded"])
        if rng.random() < 0.3:
            rows.append([cid, "addon", "annual", 2, 2400, month(first + 1), month(first + 13), "paid"])
        if rng.random() < 0.2:
            for d in (1, 8, 15):
                rows.append(
                    [
                        cid,
                        "addon",
                        "weekly",
                        1,
                        25,
                        f"{month(first)[:8]}{d:02d}",
                        f"{month(first)[:8]}{d + 7:02d}",
                        "paid",
                    ]
                )
        if rng.random() < 0.2:
            m = rng.randint(first, last - 1)
            rows.append([cid, "core", plan, seats, -round(seats * price, 2), month(m), month(m + 1), "credited"])
    return rows


@pytest.mark.parametrize("seed", [1, 2])
def test_a_random_export_with_every_quirk_on_a_local_cluster_equals_one_run(
    cli: Invoke, tmp_path: Path, seed: int
) -> None:
    """On a local cluster, the parts sent from here (one file) and read by the workers (the same lines in three
    files), against one run over the whole export: every bridge column of every month, and the metrics."""
    pytest.importorskip("dask.distributed")
    rows = _random_quirks(seed)
    whole = write_csv(tmp_path / "billing.csv", rows)
    cut = (len(rows) - 1) // 3
    files = [
        write_csv(tmp_path / f"b{i}.csv", [HEADER, *rows[1 + i * cut : 1 + (i + 1) * cut if i < 2 else None]])
        for i in range(3)
    ]
    history = ["--history-starts", "2023-01"]
    single = ok(cli("numbers", whole, "--view", "bridge", "-f", "csv", *history)).stdout
    assert single.count("\n") > 12  # months of movements, not an empty bridge
    cluster = ["--partitions", 3, "--cluster", "local"]
    sent = ok(cli("numbers", whole, "--view", "bridge", "-f", "csv", *history, *cluster)).stdout
    read_there = ok(cli("numbers", *files, "--view", "bridge", "-f", "csv", *history, *cluster)).stdout
    assert sent == single and read_there == single
    metrics = json.loads(ok(cli("numbers", whole, "-f", "json", *history)).stdout)["metrics"]
    assert json.loads(ok(cli("numbers", *files, "-f", "json", *history, *cluster)).stdout)["metrics"] == metrics


def test_a_parquet_dataset_is_read_by_the_cluster_workers(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --cluster, each file of a dataset is read by a worker (never read whole here) and split there; the bridge,
    the metrics, the notes and the inputs are those of the export read and measured here. The dataset is given by a
    relative path from a folder whose own name looks like a hive key ('status=void'): a worker finds the files and
    reads only the dataset's own folder keys, as a read here does (its files have no status column)."""
    pytest.importorskip("dask.distributed")
    from csctl.run.inputs import Run

    history = ["--history-starts", "2023-11"]
    here = tmp_path / "status=void"
    _chunks(here / "billing", pl.read_csv(SAMPLE / "billing.csv", infer_schema=False).drop("status"))
    monkeypatch.chdir(here)
    folder, customers = "billing", ["--customers", SAMPLE / "customers.csv"]
    single = ok(cli("numbers", folder, "--view", "bridge", "-f", "csv", *history)).stdout
    summary = json.loads(ok(cli("numbers", folder, "-f", "json", *history, *customers)).stdout)
    wrong_kind = cli("numbers", folder, "-f", "csv", "--kind", "subscriptions")
    assert wrong_kind.exit_code == 3

    def refused(self: Run, kind: str | None = None) -> None:
        raise AssertionError("the billing export was read here, not by the workers")

    monkeypatch.setattr(Run, "revenue", refused)
    cluster = ["--partitions", 3, "--cluster", "local"]
    spread = ok(cli("numbers", folder, "--view", "bridge", "-f", "csv", *history, *cluster))
    assert spread.stdout == single  # every bridge column of every month, to the cent
    read = json.loads(ok(cli("numbers", folder, "-f", "json", *history, *customers, *cluster)).stdout)
    assert read["metrics"] == summary["metrics"]
    assert read["notes"] == summary["notes"]
    assert read["inputs"] == summary["inputs"]  # each file as given, in the same order, customers after billing
    told = cli("numbers", folder, "-f", "csv", "--kind", "subscriptions", *cluster)
    assert (told.exit_code, told.stderr) == (3, wrong_kind.stderr)  # --kind holds on the workers too


def test_a_bad_value_in_a_file_a_worker_reads_names_the_file_and_row(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("dask.distributed")
    frame = pl.read_csv(SAMPLE / "billing.csv", infer_schema=False)
    bad = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 2500).then(pl.lit("1O0.00")).otherwise("amount").alias("amount")
    )
    _chunks(tmp_path / "billing", bad)
    monkeypatch.chdir(tmp_path)
    result = cli("numbers", "billing", "-f", "csv", "--partitions", 2, "--cluster", "local")
    assert result.exit_code == 3, result.stderr
    size = -(-frame.height // 3)
    row = 2500 - size + 1  # the file's own row
    assert result.stderr.startswith(f"error: billing/chunk=1/part-0.parquet: row {row}, column 'amount'")
    assert "1O0.00" in result.stderr
    assert cli("numbers", "billing", "-f", "csv").stderr == result.stderr  # the message of a read here


def test_a_worker_that_cannot_read_a_file_leaves_csctls_message_alone(tmp_path: Path) -> None:
    """The installed command on a local cluster: stderr holds csctl's one error message, not the workers' logs."""
    pytest.importorskip("dask.distributed")
    import subprocess
    import sys

    frame = pl.read_csv(SAMPLE / "billing.csv", infer_schema=False)
    _chunks(tmp_path / "billing", frame.with_columns(pl.lit("1O0.00").alias("amount")), files=2)
    command = [str(Path(sys.executable).parent / "csctl"), "numbers", "billing", "-f", "json", "--partitions", "2"]
    here = subprocess.run(command, check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    command += ["--cluster", "local"]
    there = subprocess.run(command, check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (there.returncode, there.stderr) == (3, here.stderr), there.stderr
    assert json.loads(there.stderr)["error"]["exit_code"] == 3


def test_a_large_export_is_measured_in_parts_with_the_same_figures(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    from csctl.run import steps

    history = ["--history-starts", "2023-11"]
    billing = SAMPLE / "billing.csv"
    whole = {view: ok(cli("numbers", billing, "--view", view, "-f", "csv", *history)).stdout for view in pt.VIEWS}
    lines = pl.read_csv(billing, infer_schema=False).height
    monkeypatch.setattr(steps, "PARTS_OVER", lines // 3)  # as if the sample were a large export
    monkeypatch.setattr(steps, "PART_LINES", -(-lines // 6))
    for view in pt.VIEWS:
        parted = cli("numbers", billing, "--view", view, "-f", "csv", "-v", *history)
        assert ok(parted).stdout == whole[view], view
        assert "measured in 6 parts of its customers" in parted.stderr
    single = cli("numbers", billing, "--view", "customers", "-f", "csv", "-v", *history)  # a view of single customers
    assert "parts" not in ok(single).stderr


def _dataset(folder: Path, parts: int = 3) -> Path:
    """sample_data/billing.csv written as a hive-partitioned Parquet dataset (as Spark, Polars or DuckDB write one:
    ``part=K/data.parquet``), every column as text, the way the CSV holds it."""
    lines = pl.read_csv(SAMPLE / "billing.csv", infer_schema=False)
    keyed = lines.with_columns(part=pl.col("customer_id").hash(3) % parts)
    for k in range(parts):
        (folder / f"part={k}").mkdir(parents=True)
        keyed.filter(pl.col("part") == k).drop("part").write_parquet(folder / f"part={k}" / "data.parquet")
    (folder / "_SUCCESS").write_text("")  # a marker Spark leaves beside the parts: not a part
    return folder


def test_a_partitioned_parquet_dataset_reads_as_the_csv_it_was_written_from(cli: Invoke, tmp_path: Path) -> None:
    history = ["--history-starts", "2023-11"]
    dataset = _dataset(tmp_path / "billing")
    csv = ok(cli("numbers", SAMPLE / "billing.csv", "--view", "bridge", "-f", "csv", *history)).stdout
    assert ok(cli("numbers", dataset, "--view", "bridge", "-f", "csv", *history)).stdout == csv
    parted = ok(cli("numbers", dataset, "--view", "bridge", "-f", "csv", "--partitions", 3, *history))
    assert parted.stdout == csv
    from csctl.config.models import Export
    from csctl.run.inputs import _expand

    workspace = tmp_path / "ws"  # a workspace export may name the dataset's folder: its parts, inside the workspace
    _dataset(workspace / "data")
    parts = _expand(workspace, Export(path="data"), "csctl.yaml: exports.billing", fence=workspace)
    assert [Path(p).relative_to(workspace).as_posix() for p in parts] == [
        f"data/part={k}/data.parquet" for k in range(3)
    ]


def test_a_dataset_leaves_out_unfinished_parts_and_reads_hive_keys(cli: Invoke, tmp_path: Path) -> None:
    """A Spark job's _temporary/ parts are not the dataset's (they doubled MRR); a dataset partitioned by status
    (status=void/…, the column in the folder's name, not in the files) is measured as the CSV it came from."""
    history = ["--history-starts", "2023-11"]
    csv = ok(cli("numbers", SAMPLE / "billing.csv", "--view", "bridge", "-f", "csv", *history)).stdout
    dataset = _dataset(tmp_path / "billing")
    stray = dataset / "_temporary" / "0" / "task_1"
    stray.mkdir(parents=True)
    (dataset / "part=0" / "data.parquet").replace(stray / "part-00000.parquet")
    (dataset / "part=0").rmdir()
    assert ok(cli("numbers", dataset, "--view", "bridge", "-f", "csv", *history)).stdout != csv  # part 0 is gone
    lines = pl.read_csv(SAMPLE / "billing.csv", infer_schema=False)
    by_status = tmp_path / "by_status"
    for (status,), rows in lines.with_columns(pl.col("status").fill_null("")).group_by("status"):
        folder = by_status / f"status={status or '__HIVE_DEFAULT_PARTITION__'}"
        folder.mkdir(parents=True)
        rows.drop("status").write_parquet(folder / "part-0.parquet")
    assert "status" not in pl.read_parquet(next(by_status.rglob("*.parquet"))).columns
    assert ok(cli("numbers", by_status, "--view", "bridge", "-f", "csv", *history)).stdout == csv


def test_a_folder_without_parquet_parts_is_refused(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "billing.csv").write_text("customer_id,amount,period_start\nA,1,2024-01-01\n")
    result = cli("numbers", tmp_path / "empty")
    assert result.exit_code == 3
    assert "is a folder with no .parquet file" in result.stderr


def test_split_in_chunks_gives_each_part_its_rows_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pl.DataFrame({"customer_id": [str(i * 7919 % 613) for i in range(5000)], "x": range(5000)})
    whole = pt.split(frame, 7)
    monkeypatch.setattr(pt, "SPLIT_CHUNK", 333)  # many chunks, the last one short
    chunked = pt.split(frame, 7)
    for a, b in zip(whole, chunked, strict=True):
        assert a.rows.to_list() == b.rows.to_list()
        assert a.rows.to_list() == sorted(a.rows.to_list())  # the part's rows in file order
    assert sorted(x for p in chunked for x in p.rows.to_list()) == list(range(5000))
    keyed = pt.part_keys(frame, 7).to_list()
    assert all(keyed[r] == k for k, p in enumerate(chunked) for r in p.rows.to_list())


@pytest.mark.parametrize("parts", [2, 3, 5])
def test_parts_of_one_offs_only_or_of_left_out_lines_measure_as_the_whole(cli: Invoke, parts: int) -> None:
    """A part holding only a set-up fee (no MRR: was exit 4), a part whose lines are all void (its statuses were
    left out of the note), and credits only (the error's hint): the parts give what the whole export gives."""
    rows = [
        ["customer_id", "product", "amount", "period_start", "period_end", "status"],
        *[["A", "core", "100", f"2024-{m:02d}-01", f"2024-{m:02d}-28", "paid"] for m in range(1, 5)],
        ["B", "setup", "300", "2024-02-10", "2024-02-10", "paid"],
        ["Z", "core", "50", "2024-02-01", "2024-02-28", "void"],
    ]
    credits = [rows[0], ["A", "", "-10", "2024-01-01", "2024-01-31", "paid"], ["A", "", "-5", "2024-02-01", "", ""]]
    with tempfile.TemporaryDirectory() as folder:
        for name, table in (("quirks.csv", rows), ("credits.csv", credits)):
            path = write_csv(Path(folder) / name, table)
            args = ["numbers", path, "--history-starts", "2024-01", "-f", "json"]
            whole = cli(*args)
            parted = cli(*args, "--partitions", parts)
            assert (parted.exit_code, parted.stdout, parted.stderr) == (whole.exit_code, whole.stdout, whole.stderr)


def test_a_part_that_fails_stops_the_threads_at_once() -> None:
    """Two parts at a time: the first failure is raised as it is, and the parts not yet started are not run."""
    import threading
    import time

    started: list[int] = []
    lock = threading.Lock()

    def measure(item: int) -> int:
        with lock:
            started.append(item)
        if item == 1:
            raise ValueError("part 1")
        time.sleep(0.005)  # a part takes a while: 200 of them would take half a second on two threads
        return item

    assert ThreadEngine(2).map(measure, [0, 2, 3]) == [0, 2, 3]
    started.clear()
    with pytest.raises(ValueError, match="part 1"):
        ThreadEngine(2).map(measure, list(range(200)))
    assert len(started) < 50  # the rest were cancelled, not measured
