"""Batch jobs on the command line: checks before any work, one-line errors, exit codes,
and real `dask scheduler` + `dask worker` processes started and stopped by pid."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weaklab import LabelMatrix, apply_lfs
from weaklab.cli import main
from weaklab.labeling.lf_files import load_lfs

REPO = Path(__file__).resolve().parents[1]

# An LF file that leaves a marker when imported: checks that must come first leave none.
LF_FILE = '''
import pathlib
pathlib.Path(__file__).with_name("imported.marker").write_text("yes")
from weaklab import ABSTAIN, labeling_function, keyword_lf

@labeling_function()
def short(row):
    return 0 if len(row.text) < 30 else ABSTAIN

promo = keyword_lf("promo", ["subscribe", "check out"], 1)
'''


@pytest.fixture
def job(tmp_path):
    """A folder with data.parquet and my_lfs.py; returns (folder, base argv)."""
    pd.DataFrame({"text": ["subscribe now", "a long comment about the video itself, really"] * 5}).to_parquet(
        tmp_path / "data.parquet"
    )
    (tmp_path / "my_lfs.py").write_text(LF_FILE)
    argv = ["apply", str(tmp_path / "data.parquet"), "--lfs", str(tmp_path / "my_lfs.py"), "--no-progress"]
    return tmp_path, argv


def _one_line_error(capsys, *fragments):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    return err


# --------------------------------------------------------- checks before any work
def test_cardinality_below_two_is_bad_usage_before_anything_runs(job, capsys):
    folder, argv = job
    assert main(argv + ["--cardinality", "1", "--out", str(folder / "L.npz")]) == 2
    _one_line_error(capsys, "--cardinality must be at least 2")
    assert not (folder / "imported.marker").exists()


def test_zero_workers_is_bad_usage_not_a_hang(job, capsys):
    folder, argv = job
    started = time.monotonic()
    assert main(argv + ["--cardinality", "2", "--workers", "0", "--out", str(folder / "L.npz")]) == 2
    assert time.monotonic() - started < 30
    _one_line_error(capsys, "--workers must be at least 1")
    assert not (folder / "imported.marker").exists()


def test_out_in_a_missing_folder_fails_before_any_lf_runs(job, capsys):
    folder, argv = job
    assert main(argv + ["--cardinality", "2", "--out", str(folder / "nope" / "L.npz")]) == 2
    _one_line_error(capsys, "does not exist", "nope")
    assert not (folder / "imported.marker").exists()


def test_existing_out_is_never_overwritten_silently(job, capsys):
    folder, argv = job
    (folder / "L.npz").write_bytes(b"precious")
    assert main(argv + ["--cardinality", "2", "--out", str(folder / "L.npz")]) == 2
    _one_line_error(capsys, "exists", "--overwrite")
    assert (folder / "L.npz").read_bytes() == b"precious"


def test_scheduler_and_workers_exclude_each_other(job, capsys):
    folder, argv = job
    with pytest.raises(SystemExit) as stop:
        main(argv + ["--cardinality", "2", "--out", str(folder / "L.npz"), "--workers", "2",
                     "--scheduler", "tcp://127.0.0.1:1"])
    assert stop.value.code == 2
    _one_line_error(capsys, "not allowed with argument")


def test_missing_column_names_lf_column_and_file(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    pd.DataFrame({"text": ["a"], "body": ["b"]}).to_parquet(data / "part-0.parquet")
    pd.DataFrame({"text": ["a"]}).to_csv(data / "part-1.csv", index=False)
    (tmp_path / "lfs.py").write_text(
        "from weaklab import labeling_function\n"
        "@labeling_function()\ndef uses_body(row):\n    return 0 if row.body else -1\n"
    )
    code = main(["apply", str(data), "--lfs", str(tmp_path / "lfs.py"), "--cardinality", "2",
                 "--out", str(tmp_path / "L.npz")])
    assert code == 3
    _one_line_error(capsys, "'uses_body'", "'body'", "part-1.csv")


def test_malformed_file_in_a_folder_is_named_before_the_cluster_starts(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    pd.DataFrame({"text": ["a"]}).to_parquet(data / "good.parquet")
    (data / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    (tmp_path / "lfs.py").write_text(LF_FILE)
    assert main(["apply", str(data), "--lfs", str(tmp_path / "lfs.py"), "--cardinality", "2",
                 "--out", str(tmp_path / "L.npz")]) == 3
    _one_line_error(capsys, "broken.parquet")


def test_lf_file_raising_on_import_names_file_and_line(tmp_path, capsys):
    (tmp_path / "bad_lfs.py").write_text("x = 1\ny = {}['missing']\n")
    pd.DataFrame({"text": ["a"]}).to_parquet(tmp_path / "d.parquet")
    assert main(["apply", str(tmp_path / "d.parquet"), "--lfs", str(tmp_path / "bad_lfs.py"),
                 "--cardinality", "2", "--out", str(tmp_path / "L.npz")]) == 4
    _one_line_error(capsys, "bad_lfs.py", "line 2", "KeyError")


def test_debug_shows_the_traceback(tmp_path, capsys):
    (tmp_path / "bad_lfs.py").write_text("raise RuntimeError('boom')\n")
    pd.DataFrame({"text": ["a"]}).to_parquet(tmp_path / "d.parquet")
    assert main(["apply", str(tmp_path / "d.parquet"), "--lfs", str(tmp_path / "bad_lfs.py"),
                 "--cardinality", "2", "--out", str(tmp_path / "L.npz"), "--debug"]) == 4
    err = capsys.readouterr().err
    assert "Traceback" in err and "boom" in err


def test_missing_data_is_bad_input(job, capsys):
    folder, argv = job
    argv[1] = str(folder / "absent.parquet")
    assert main(argv + ["--cardinality", "2", "--out", str(folder / "L.npz")]) == 3
    _one_line_error(capsys, "absent.parquet", "no such file")


def test_version_and_exit_codes_in_help(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    from weaklab import __version__

    assert capsys.readouterr().out.strip() == f"weaklab {__version__}"
    with pytest.raises(SystemExit):
        main(["apply", "--help"])
    out = capsys.readouterr().out
    assert "exit codes" in out and "bad input data" in out and "an LF failed" in out


def test_lf_file_imports_helper_modules_beside_it(tmp_path, monkeypatch):
    lf_dir = tmp_path / "lfs_here"
    lf_dir.mkdir()
    (lf_dir / "spam_words.py").write_text("WORDS = ('subscribe', 'free')\n")
    (lf_dir / "job_lfs.py").write_text(
        "from weaklab import labeling_function\nfrom spam_words import WORDS\n"
        "@labeling_function()\ndef spammy(row):\n    return 1 if any(w in row.text for w in WORDS) else -1\n"
    )
    monkeypatch.chdir(tmp_path)
    (lf) = load_lfs(str(lf_dir / "job_lfs.py"))
    assert [x.name for x in lf] == ["spammy"]
    # Pickled by value: a process that cannot import spam_words still runs the LF.
    import cloudpickle

    payload = cloudpickle.dumps(lf)
    code = ("import sys, pickle, pandas as pd; lfs = pickle.loads(sys.stdin.buffer.read()); "
            "print(lfs[0](pd.Series({'text': 'free stuff'})))")
    out = subprocess.run([sys.executable, "-c", code], input=payload, capture_output=True, cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
    assert out.stdout.decode().strip() == "1"


def test_lfs_as_a_module_name_from_the_current_folder(tmp_path, monkeypatch):
    pkg = tmp_path / "mylfs"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "rules.py").write_text("from weaklab import keyword_lf\nLFS = [keyword_lf('free', ['free'], 1)]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    assert [lf.name for lf in load_lfs("mylfs.rules")] == ["free"]


# ------------------------------------------------- a real scheduler and two workers
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict:
    # Workers import weaklab from this checkout, and nothing from the job's folders.
    return {**os.environ, "PYTHONPATH": str(REPO), "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}


class Cluster:
    """`dask scheduler` + `dask worker` processes on 127.0.0.1, stopped by pid."""

    def __init__(self, workdir: Path, n_workers: int = 2) -> None:
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.workdir = workdir
        workdir.mkdir(exist_ok=True)
        self.scheduler = self._start(["scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--no-dashboard"], "scheduler")
        self.workers = [self.add_worker() for _ in range(n_workers)]
        self.wait_for_workers(n_workers)

    def _start(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.workdir / f"{name}-{time.monotonic_ns()}.log", "w")
        dask = Path(sys.executable).with_name("dask")
        return subprocess.Popen([str(dask), *args], cwd=self.workdir, env=_env(), stdout=log,
                                stderr=subprocess.STDOUT)

    def add_worker(self) -> subprocess.Popen:
        return self._start(["worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                            "--host", "127.0.0.1"], "worker")

    def wait_for_workers(self, n: int, timeout: float = 120) -> None:
        from distributed import Client

        with Client(self.address, timeout=timeout) as client:
            client.wait_for_workers(n, timeout=timeout)

    def stop(self) -> None:
        for proc in self.workers + [self.scheduler]:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.workers + [self.scheduler]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path / "cluster")
    try:
        yield c
    finally:
        c.stop()


def weaklab_cli(*args: str, cwd: Path, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    """Run the `weaklab` command in a fresh process."""
    proc = subprocess.run([sys.executable, "-m", "weaklab", *args], cwd=cwd, env=_env(),
                          capture_output=True, text=True, **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError(f"weaklab {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return proc


JOB_LFS = '''
import numpy as np
from weaklab import ABSTAIN, labeling_function, keyword_lf
from job_helpers import SPAM_WORDS, looks_shouty

@labeling_function()
def shouty(row):
    return 1 if looks_shouty(row.text) else ABSTAIN

@labeling_function(batch=True)
def short(df):
    return np.where(df.text.str.len().to_numpy() < 25, 0, ABSTAIN)

spam_words = keyword_lf("spam_words", list(SPAM_WORDS), 1)
LFS = [shouty, short, spam_words]
'''

JOB_HELPERS = '''
SPAM_WORDS = ("subscribe", "check out", "free")

def looks_shouty(text):
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 5 and sum(c.isupper() for c in letters) > 0.6 * len(letters)
'''


def write_job(folder: Path, n_files: int = 4, rows: int = 500, seed: int = 0) -> tuple[Path, Path]:
    """Parquet files in folder/data and an LF file importing a helper beside it in folder/lfs."""
    from weaklab import make_demo_corpus

    data, lfs = folder / "data", folder / "lfs"
    data.mkdir(parents=True), lfs.mkdir()
    corpus = make_demo_corpus(n_files * rows, seed=seed)[["text"]]
    for i in range(n_files):
        corpus.iloc[i * rows:(i + 1) * rows].reset_index(drop=True).to_parquet(data / f"part-{i:02d}.parquet")
    (lfs / "job_lfs.py").write_text(JOB_LFS)
    (lfs / "job_helpers.py").write_text(JOB_HELPERS)
    return data, lfs / "job_lfs.py"


def reference_matrix(data: Path, lf_file: Path) -> LabelMatrix:
    """In-process apply_lfs on the concatenated files (the expected result)."""
    frame = pd.concat([pd.read_parquet(f) for f in sorted(data.glob("*.parquet"))], ignore_index=True)
    return apply_lfs(frame, load_lfs(str(lf_file)), cardinality=2, progress=False)


@pytest.mark.slow
def test_apply_on_a_real_cluster_equals_in_process_apply(tmp_path, cluster):
    data, lf_file = write_job(tmp_path / "job")
    out = tmp_path / "L.npz"
    proc = weaklab_cli("apply", str(data), "--lfs", str(lf_file), "--cardinality", "2",
                       "--scheduler", cluster.address, "--out", str(out), "--no-progress", cwd=tmp_path)
    assert "2,000 rows × 3 LFs" in proc.stdout
    got = LabelMatrix.load(out)
    assert got == reference_matrix(data, lf_file)
    assert got.nnz > 0 and not list(tmp_path.glob(".L.npz*")), "no temporary file left behind"


@pytest.mark.slow
def test_lf_error_on_a_csv_row_names_lf_file_row_and_line(tmp_path, cluster):
    data = tmp_path / "data"
    data.mkdir()
    pd.DataFrame({"text": ["fine", "also fine"]}).to_csv(data / "a.csv", index=False)
    (data / "b.csv").write_text('text\n"two\nlines"\nok\nBOOM\nok\n')
    (tmp_path / "lfs.py").write_text(
        "from weaklab import labeling_function\n"
        "@labeling_function()\ndef explodes(row):\n"
        "    if row.text == 'BOOM':\n        raise ValueError('bad text')\n    return -1\n"
    )
    proc = weaklab_cli("apply", str(data), "--lfs", str(tmp_path / "lfs.py"), "--cardinality", "2",
                       "--scheduler", cluster.address, "--out", str(tmp_path / "L.npz"), "--no-progress",
                       cwd=tmp_path, check=False)
    assert proc.returncode == 4, proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert "'explodes'" in line and "ValueError: bad text" in line
    assert "b.csv, row 2 of that file (line 5)" in line
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "L.npz").exists()


# ------------------------------------------------------------- jobs with a store
_COUNTS = re.compile(r"in (\d+) partitions: (\d+) blocks computed, (\d+) reused")


def counts(proc: subprocess.CompletedProcess) -> tuple[int, int, int]:
    """(partitions, computed, reused) as `weaklab apply --store` prints them."""
    match = _COUNTS.search(proc.stdout)
    assert match, proc.stdout + proc.stderr
    return tuple(int(g) for g in match.groups())


def stored_blocks(store: Path) -> list[Path]:
    return sorted(store.glob("blocks/*/*.wlb"))


def apply_args(data: Path, lf_file: Path, store: Path, cluster: "Cluster", *extra: str) -> list[str]:
    return ["apply", str(data), "--lfs", str(lf_file), "--cardinality", "2", "--store", str(store),
            "--scheduler", cluster.address, "--no-progress", *extra]


@pytest.mark.slow
def test_store_job_reuses_recomputes_exactly_what_changed_and_feeds_fit_label_report(tmp_path, cluster):
    data, lf_file = write_job(tmp_path / "job", n_files=4, rows=500)
    store, out = tmp_path / "store", tmp_path / "L.npz"
    first = weaklab_cli(*apply_args(data, lf_file, store, cluster, "--out", str(out)), cwd=tmp_path)
    assert counts(first) == (4, 12, 0)
    assert LabelMatrix.load(out) == reference_matrix(data, lf_file)
    assert len(stored_blocks(store)) == 12

    again = weaklab_cli(*apply_args(data, lf_file, store, cluster), cwd=tmp_path)
    assert counts(again) == (4, 0, 12)

    # A corrupted block is detected (a warning naming it), never used, and recomputed.
    victim = stored_blocks(store)[0]
    raw = bytearray(victim.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    victim.write_bytes(bytes(raw))
    healed = weaklab_cli(*apply_args(data, lf_file, store, cluster), cwd=tmp_path)
    assert counts(healed) == (4, 1, 11)
    assert victim.name in healed.stderr and "warning" in healed.stderr.lower()

    # Edit one LF: exactly its column is recomputed.
    lf_file.write_text(JOB_LFS.replace("< 25", "< 30"))
    edited = weaklab_cli(*apply_args(data, lf_file, store, cluster, "--out", str(out), "--overwrite"),
                         cwd=tmp_path)
    assert counts(edited) == (4, 4, 8)
    assert LabelMatrix.load(out) == reference_matrix(data, lf_file)

    # Change one row of one file: exactly that partition is recomputed.
    part = pd.read_parquet(data / "part-02.parquet")
    part.loc[7, "text"] = "SUBSCRIBE TO MY CHANNEL NOW"
    part.to_parquet(data / "part-02.parquet")
    changed = weaklab_cli(*apply_args(data, lf_file, store, cluster, "--out", str(out), "--overwrite"),
                          cwd=tmp_path)
    assert counts(changed) == (4, 3, 9)
    assert LabelMatrix.load(out) == reference_matrix(data, lf_file)

    expected = reference_matrix(data, lf_file)
    # fit from per-partition statistics, label per partition, report, list, prune.
    model = tmp_path / "model.npz"
    weaklab_cli("fit", "--store", str(store), "--model", "MajorityVote", "--out", str(model), cwd=tmp_path)
    from weaklab.models import MajorityVote, load_model

    in_memory = MajorityVote().fit(expected).predict_proba(expected)
    labels_dir = tmp_path / "labels"
    weaklab_cli("label", "--store", str(store), "--model", str(model), "--out", str(labels_dir),
                "--data", str(data), "--id-column", "text", cwd=tmp_path)
    files = sorted(labels_dir.glob("part-*.parquet"))
    assert len(files) == 4
    labels = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    assert np.allclose(labels[["p_0", "p_1"]].to_numpy(), in_memory)
    frame = pd.concat([pd.read_parquet(f) for f in sorted(data.glob("*.parquet"))], ignore_index=True)
    assert labels["text"].tolist() == frame["text"].tolist()
    assert isinstance(load_model(model), MajorityVote)
    again = weaklab_cli("label", "--store", str(store), "--model", str(model), "--out", str(labels_dir),
                        cwd=tmp_path, check=False)
    assert again.returncode == 2 and "--overwrite" in again.stderr

    report = tmp_path / "report.html"
    weaklab_cli("report", "--store", str(store), "--model", str(model), "--data", str(data),
                "--out", str(report), cwd=tmp_path)
    assert "spam_words" in report.read_text(encoding="utf-8")

    listing = weaklab_cli("store", "ls", str(store), cwd=tmp_path).stdout
    assert "short" in listing and "shouty" in listing and "partitions (5)" in listing
    dry = weaklab_cli("store", "prune", str(store), "--dry-run", cwd=tmp_path).stdout
    # The old `short` column (4 blocks) and the old part-02 partition (3 blocks) are stale.
    assert "would remove 7 files" in dry and len(stored_blocks(store)) == 19
    weaklab_cli("store", "prune", str(store), cwd=tmp_path)
    assert len(stored_blocks(store)) == 12
    final = weaklab_cli(*apply_args(data, lf_file, store, cluster), cwd=tmp_path)
    assert counts(final) == (4, 0, 12)


SLOW_LFS = '''
import time
import numpy as np
from weaklab import ABSTAIN, labeling_function

@labeling_function(batch=True)
def slow_short(df):
    time.sleep(1.0)
    return np.where(df.text.str.len().to_numpy() < 25, 0, ABSTAIN)

@labeling_function()
def has_free(row):
    return 1 if "free" in row.text.lower() else ABSTAIN
'''


def _wait_for(condition, timeout: float = 900, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(every)


def _slow_job(folder: Path, n_files: int = 10) -> tuple[Path, Path]:
    data, _ = write_job(folder, n_files=n_files, rows=200)
    lf_file = folder / "lfs" / "slow_lfs.py"
    lf_file.write_text(SLOW_LFS)
    return data, lf_file


@pytest.mark.slow
def test_kill_one_worker_mid_job_gives_the_identical_result(tmp_path, cluster):
    data, lf_file = _slow_job(tmp_path / "job")
    store, out = tmp_path / "store", tmp_path / "L.npz"
    log = open(tmp_path / "job.log", "w")  # a file, not a pipe: a full pipe would stall the job
    job = subprocess.Popen([sys.executable, "-m", "weaklab", *apply_args(data, lf_file, store, cluster,
                                                                          "--out", str(out))],
                           cwd=tmp_path, env=_env(), stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(lambda: len(stored_blocks(store)) >= 2 or job.poll() is not None)
        assert job.poll() is None, "the job finished before a worker could be killed"
        os.kill(cluster.workers[0].pid, signal.SIGKILL)
        job.wait(timeout=900)
    finally:
        if job.poll() is None:
            job.kill()
    assert job.returncode == 0, (tmp_path / "job.log").read_text()[-3000:]
    assert LabelMatrix.load(out) == reference_matrix(data, lf_file)
    assert len(stored_blocks(store)) == 20


@pytest.mark.slow
def test_kill_the_client_mid_job_then_rerun_computes_only_the_missing_blocks(tmp_path, cluster):
    data, lf_file = _slow_job(tmp_path / "job")
    store, out = tmp_path / "store", tmp_path / "L.npz"
    job = subprocess.Popen([sys.executable, "-m", "weaklab", *apply_args(data, lf_file, store, cluster)],
                           cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: len(stored_blocks(store)) >= 4 or job.poll() is not None)
        assert job.poll() is None, "the job finished before it could be killed"
        os.kill(job.pid, signal.SIGKILL)
        job.wait(timeout=30)
    finally:
        if job.poll() is None:
            job.kill()
    # Tasks already running on the workers may still write their blocks: let them settle.
    previous = -1
    while previous != len(stored_blocks(store)):
        previous = len(stored_blocks(store))
        time.sleep(3)
    assert 4 <= previous < 20
    rerun = weaklab_cli(*apply_args(data, lf_file, store, cluster, "--out", str(out)), cwd=tmp_path)
    assert counts(rerun) == (10, 20 - previous, previous)
    assert LabelMatrix.load(out) == reference_matrix(data, lf_file)


WRITER = '''
import sys, numpy as np
from weaklab.labeling.store import Block, BlockStore
store = BlockStore(sys.argv[1])
n = 4_000_000
rows = np.arange(0, n, 2, dtype=np.int32)
values = np.ones(rows.size, dtype=np.int8)
print("ready", flush=True)
for i in range(10_000):
    store.write_block(Block(f"{i:064x}", "f" * 64, n, 2, rows, values, "lf"))
'''


@pytest.mark.slow
def test_killed_during_block_writes_no_block_looks_complete(tmp_path):
    store = tmp_path / "store"
    (tmp_path / "writer.py").write_text(WRITER)
    from weaklab.labeling.store import BlockStore

    def leftovers():
        return [p for p in store.rglob("*") if p.is_file() and ".tmp" in p.name]

    # Kill writers at varying moments until one dies mid-write (its temporary file stays).
    for attempt in range(10):
        writer = subprocess.Popen([sys.executable, str(tmp_path / "writer.py"), str(store)], env=_env(),
                                  stdout=subprocess.PIPE, text=True)
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(1.0 + 0.23 * attempt)
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        if leftovers():
            break
    assert leftovers(), "no writer was killed mid-write in 10 attempts"
    import warnings

    complete = stored_blocks(store)
    assert complete
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reader = BlockStore(str(store))
        for path in complete:
            block = reader.read_block(path.parent.name, path.stem)
            assert block is not None and block.n_rows == 4_000_000


@pytest.mark.slow
def test_malformed_file_in_a_folder_names_it_and_keeps_completed_blocks(tmp_path, cluster):
    data = tmp_path / "data"
    data.mkdir()
    for i in range(4):
        pd.DataFrame({"text": [f"free row {i}-{j}" for j in range(50)], "n": range(50)}).to_csv(
            data / f"part-{i}.csv", index=False)
    with open(data / "part-2.csv", "a") as f:
        f.write("one,two,three,four\n")
    lf_file = tmp_path / "lfs.py"
    lf_file.write_text("from weaklab import keyword_lf\nfree = keyword_lf('free', ['free'], 1)\n")
    store = tmp_path / "store"
    proc = weaklab_cli(*apply_args(data, lf_file, store, cluster), cwd=tmp_path, check=False)
    assert proc.returncode == 3, proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert "part-2.csv" in line and "line 52" in line and "Traceback" not in proc.stderr
    # Tasks already running when the job stopped still finish and write: let them settle.
    done = -1
    while done != len(stored_blocks(store)):
        done = len(stored_blocks(store))
        time.sleep(3)
    import warnings
    from weaklab.labeling.store import BlockStore

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for path in stored_blocks(store):
            assert BlockStore(str(store)).read_block(path.parent.name, path.stem) is not None
    (data / "part-2.csv").unlink()
    rerun = weaklab_cli(*apply_args(data, lf_file, store, cluster), cwd=tmp_path)
    assert counts(rerun) == (3, 3 - done, done)


FRAGILE_LFS = '''
from weaklab import ABSTAIN, labeling_function

@labeling_function()
def fragile(row):
    if row.x == 250:
        raise ValueError("cannot vote on 250")
    return 1 if row.x >= 200 else ABSTAIN
'''


@pytest.mark.slow
def test_apply_with_a_store_and_no_out_prints_the_fault_tolerant_failures_like_out_does(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        pd.DataFrame({"x": np.arange(100 * i, 100 * (i + 1))}).to_parquet(data / f"part-{i}.parquet")
    (tmp_path / "fragile_lfs.py").write_text(FRAGILE_LFS)
    base = ["apply", str(data), "--lfs", "fragile_lfs.py", "--cardinality", "2", "--fault-tolerant",
            "--workers", "1", "--no-progress"]
    warned = []
    for extra in (["--out", str(tmp_path / "L.npz")], ["--store", str(tmp_path / "store")]):
        done = weaklab_cli(*base, *extra, cwd=tmp_path)
        warned.append([line for line in done.stderr.splitlines() if line.startswith("warning:")])
    # row 250 is row 50 of the third file: its position in the whole data set is 250
    assert warned[0] == ["warning: LF 'fragile' failed on 1 row(s); first at row 250 (index 50): "
                         "ValueError: cannot vote on 250"]
    assert warned[1] == warned[0]


@pytest.mark.parametrize("exit_call", ["sys.exit()", "sys.exit(1)", "raise SystemExit(0)"])
def test_an_lf_file_that_exits_on_import_is_an_error_not_a_silent_success(tmp_path, capsys, exit_call):
    pd.DataFrame({"text": ["a"]}).to_parquet(tmp_path / "d.parquet")
    (tmp_path / "lfs.py").write_text(f"import sys\n{exit_call}\n")
    code = main(["apply", str(tmp_path / "d.parquet"), "--lfs", str(tmp_path / "lfs.py"), "--cardinality", "2",
                 "--out", str(tmp_path / "L.npz")])
    assert code == 4  # an LF problem, not success (0) nor the LF file's own exit code
    _one_line_error(capsys, "lfs.py raised on import", "SystemExit")
    assert not (tmp_path / "L.npz").exists()


def test_a_csv_line_with_an_extra_field_is_an_error_naming_the_file(tmp_path, capsys):
    (tmp_path / "ragged.csv").write_text("text,id\nfree,1,extra\nlove it,2\n")
    (tmp_path / "lfs.py").write_text(
        "from weaklab import keyword_lf\nLFS = [keyword_lf('free', ['free'], 1)]\n")
    # pandas would make the first column the index: text would hold the ids, silently.
    code = main(["apply", str(tmp_path / "ragged.csv"), "--lfs", str(tmp_path / "lfs.py"), "--cardinality", "2",
                 "--out", str(tmp_path / "L.npz"), "--no-progress"])
    assert code == 3
    _one_line_error(capsys, "ragged.csv", "does not match")
