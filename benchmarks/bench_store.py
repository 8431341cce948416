"""Benchmark: the block store — layout, incremental re-application, store overhead.

Measures, on weaklab's demo corpus (short comments) with 20 typical LFs (the demo's ten —
row-wise, with a preprocessor, and batch — plus ten keyword/regex/row-wise ones):

1. **Layout** (in-process): all votes of 20 LFs × 20 partitions written and read back as
   one file per (LF, partition) block (:class:`~weaklab.labeling.store.BlockStore`, the
   layout weaklab uses) and as one file per partition holding all 20 LFs as addressable
   sections (same encoding, checksum and fsyncs); and what editing one LF costs in each.
2. **apply_lfs on a Dask LocalCluster** (1 and 2 process workers, data read from 20
   Parquet files on the workers, reading inside the timing): no store; a cold store;
   re-application after editing one LF; re-application with one new Parquet file added;
   re-application with nothing changed.
3. The same on pandas in-process (``chunk_rows=50_000`` → 20 partitions).

Every store-backed matrix is checked equal to the store-less one, and every run's
``computed``/``reused`` counts are checked, before any figure is printed. Times are
medians over ``--repeats`` runs; each cold run starts from an empty store.

Run: ``python benchmarks/bench_store.py`` (about 15 minutes on 2 shared cores), or
``python benchmarks/bench_store.py --rows 100000 --repeats 1`` for a smoke run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

import dask.dataframe as dd
from distributed import Client, LocalCluster
from weaklab import ABSTAIN, apply_lfs, keyword_lf, labeling_function, make_demo_corpus, regex_lf
from weaklab.demo import demo_lfs
from weaklab.labeling.store import BlockStore, _decode, _encode, split_columns

HAM, SPAM = 0, 1
_PRICE = re.compile(r"\$\d+")


@labeling_function()
def mentions_price(row):
    return SPAM if _PRICE.search(row.text) else ABSTAIN


@labeling_function()
def long_comment(row):
    return HAM if len(row.text) > 80 else ABSTAIN


@labeling_function()
def many_exclamations(row):
    return SPAM if row.text.count("!") >= 2 else ABSTAIN


def bench_lfs(edited: bool = False) -> list:
    """20 LFs; ``edited`` changes one keyword LF (one more keyword), as a user would."""
    words = ["subscribe", "my channel", "check out"] + (["visit"] if edited else [])
    return demo_lfs() + [
        mentions_price,
        long_comment,
        many_exclamations,
        keyword_lf("promo_words", words, SPAM),
        keyword_lf("thanks_words", ["thanks", "thank you"], HAM),
        keyword_lf("video_words", ["video", "views", "watch"], HAM),
        regex_lf("numbers", r"\d{3,}", SPAM),
        regex_lf("question", r"\?\s*$", HAM),
        regex_lf("url_words", r"\b(?:http|www|\.com)\b", SPAM),
        regex_lf("emotion", r"\b(?:wow|omg|lol)\b", HAM),
    ]


def median_time(fn, repeats: int):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


# ------------------------------------------------------------------- 1. layout
def _per_partition_write(folder: Path, blocks_by_part: dict[str, list]) -> None:
    """The alternative layout: one file per partition, each LF an addressable section."""
    folder.mkdir(parents=True, exist_ok=True)
    for part_fp, blocks in blocks_by_part.items():
        sections = [_encode(b) for b in blocks]
        index, offset = {}, 0
        for b, raw in zip(blocks, sections):
            index[b.lf_fingerprint] = [offset, len(raw)]
            offset += len(raw)
        head = json.dumps(index).encode()
        body = len(head).to_bytes(4, "little") + head + b"".join(sections)
        tmp = folder / f"{part_fp}.tmp"
        with open(tmp, "wb") as fh:  # as durable as a block: fsync, rename, fsync the folder
            fh.write(body + hashlib.sha256(body).digest())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / f"{part_fp}.wlp")
        fd = os.open(folder, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)


def _per_partition_read(folder: Path, part_fps: list[str]) -> list:
    out = []
    for part_fp in part_fps:
        raw = (folder / f"{part_fp}.wlp").read_bytes()
        body = raw[:-32]
        assert hashlib.sha256(body).digest() == raw[-32:]
        n = int.from_bytes(body[:4], "little")
        index = json.loads(body[4 : 4 + n])
        base = 4 + n
        out.extend(_decode(body[base + a : base + a + size], lf_fp, part_fp) for lf_fp, (a, size) in index.items())
    return out


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def bench_layout(df, lfs, edited_lf, chunk_rows: int, repeats: int, tmp: Path) -> list[dict]:
    L = apply_lfs(df, lfs, cardinality=2, progress=False)
    from weaklab.labeling.fingerprint import chunk_bounds, partition_fingerprint

    blocks_by_part: dict[str, list] = {}
    edit_by_part: dict[str, object] = {}
    E = apply_lfs(df, [edited_lf], cardinality=2, progress=False)
    for a, b in chunk_bounds(len(df), chunk_rows):
        fp = partition_fingerprint(df.iloc[a:b])
        blocks_by_part[fp] = split_columns(L[a:b], [lf.fingerprint for lf in lfs], fp)
        edit_by_part[fp] = split_columns(E[a:b], [edited_lf.fingerprint], fp)[0]
    all_blocks = [b for bs in blocks_by_part.values() for b in bs]
    part_fps = list(blocks_by_part)
    rows = []

    def fresh(name):
        path = tmp / name
        shutil.rmtree(path, ignore_errors=True)
        return path

    # One file per (LF, partition): weaklab's BlockStore, a partition's blocks written together
    # (as apply_lfs does: on local disk their fsyncs are issued at once).
    def write_blocks():
        store = BlockStore(fresh("layout-blocks"))
        for blocks in blocks_by_part.values():
            store.write_blocks(blocks)
        return store

    t_write, store = median_time(write_blocks, repeats)
    t_read, _ = median_time(lambda: [store.read_block(b.lf_fingerprint, b.partition_fingerprint) for b in all_blocks], repeats)

    def edit_blocks():
        for b in edit_by_part.values():
            store.write_block(b)

    t_edit, _ = median_time(edit_blocks, repeats)
    rows.append({"layout": "one file per (LF, partition)", "files": len(all_blocks),
                 "bytes": _bytes(tmp / "layout-blocks"), "write": t_write, "read": t_read, "edit": t_edit})

    # One file per partition, all LFs inside.
    folder = tmp / "layout-parts"
    t_write, _ = median_time(lambda: _per_partition_write(fresh("layout-parts"), blocks_by_part), repeats)
    size = _bytes(folder)
    t_read, back = median_time(lambda: _per_partition_read(folder, part_fps), repeats)
    assert len(back) == len(all_blocks)

    def edit_parts():
        current = _per_partition_read(folder, part_fps)
        by_part: dict[str, list] = {}
        for b in current:
            by_part.setdefault(b.partition_fingerprint, []).append(b)
        _per_partition_write(folder, {fp: bs + [edit_by_part[fp]] for fp, bs in by_part.items()})

    t_edit, _ = median_time(edit_parts, 1)  # each edit grows the files: time the first one only
    rows.append({"layout": "one file per partition (LFs as sections)", "files": len(part_fps), "bytes": size,
                 "write": t_write, "read": t_read, "edit": t_edit})
    return rows


# ----------------------------------------------------------- 2./3. apply_lfs runs
def _check(L, expected, computed, reused, what):
    assert L == expected, f"{what}: store-backed matrix differs from the store-less one"
    assert (L.run.computed, L.run.reused) == (computed, reused), (what, L.run.computed, L.run.reused)


def bench_runs(make_data, make_grown, lfs, edited, n_parts, repeats, tmp: Path, label: str, chunk_rows=None):
    m = len(lfs)
    kw = {} if chunk_rows is None else {"chunk_rows": chunk_rows}

    def run(data, fns, store=None):
        return apply_lfs(data, fns, cardinality=2, progress=False, store=store, **kw)

    expected = run(make_data(), lfs)
    expected_edit = run(make_data(), edited)
    expected_grown = run(make_grown(), edited)
    times = {k: [] for k in ("none", "cold", "warm", "edit", "grow")}
    cpu = {k: [] for k in times}
    for r in range(repeats):
        store = tmp / f"store-{label}-{r}"
        shutil.rmtree(store, ignore_errors=True)
        for key, fn in [
            ("none", lambda: _check_none(run(make_data(), lfs), expected)),
            ("cold", lambda: _check(run(make_data(), lfs, store), expected, m * n_parts, 0, "cold")),
            ("warm", lambda: _check(run(make_data(), lfs, store), expected, 0, m * n_parts, "warm")),
            ("edit", lambda: _check(run(make_data(), edited, store), expected_edit, n_parts, (m - 1) * n_parts, "edit")),
            ("grow", lambda: _check(run(make_grown(), edited, store), expected_grown, m, m * n_parts, "grow")),
        ]:
            t, c = time.perf_counter(), cpu_seconds()
            fn()
            times[key].append(time.perf_counter() - t)
            cpu[key].append(cpu_seconds() - c)
        shutil.rmtree(store, ignore_errors=True)
    out = {k: statistics.median(v) for k, v in times.items()}
    out.update({f"cpu_{k}": statistics.median(v) for k, v in cpu.items()})
    return out


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and every worker of the active client:
    unlike wall time, hardly affected by other jobs sharing the cores."""
    total = time.process_time()
    try:
        from distributed import get_client

        client = get_client()
    except ValueError:
        return total
    return total + sum(client.run(time.process_time).values())


def _check_none(L, expected):
    assert L == expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="local worker counts (none: skip Dask)")
    parser.add_argument("--skip-layout", action="store_true")
    parser.add_argument("--skip-pandas", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"rows={args.rows:,} partitions={args.partitions} repeats={args.repeats} "
          f"load average at start {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    chunk = args.rows // args.partitions
    df = make_demo_corpus(args.rows, seed=0)
    extra = make_demo_corpus(chunk, seed=1)
    extra.index = extra.index + args.rows
    lfs, edited = bench_lfs(), bench_lfs(edited=True)
    assert len(lfs) == 20 and sum(a.fingerprint != b.fingerprint for a, b in zip(lfs, edited)) == 1

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        base, grown = tmp / "data", tmp / "data-grown"
        base.mkdir(), grown.mkdir()
        for i in range(args.partitions):
            part = df.iloc[i * chunk : (i + 1) * chunk]
            part.to_parquet(base / f"part-{i:03d}.parquet")
            shutil.copy(base / f"part-{i:03d}.parquet", grown / f"part-{i:03d}.parquet")
        extra.to_parquet(grown / f"part-{args.partitions:03d}.parquet")

        rows = [] if args.skip_layout else bench_layout(df.iloc[: chunk * args.partitions], lfs, edited[13], chunk, args.repeats, tmp)
        if rows:
            print("\n## layout (in-process)")
            print("| layout | files | MB | write s | read s | edit one LF s |")
            print("|---|---:|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r['layout']} | {r['files']} | {r['bytes'] / 1e6:.1f} | {r['write']:.3f} | {r['read']:.3f} | {r['edit']:.3f} |")

        results = []
        header = ("| where | no store s | cold store s | cold / none | store overhead per partition ms "
                  "| edit one LF s | cold / edit | one new partition s | nothing changed s | rows/s (no store) "
                  "| CPU s: none / cold / edit | CPU cold / none | CPU cold / edit |")
        print(f"\n## apply_lfs, {args.rows:,} rows × 20 LFs, {args.partitions} partitions (rows as they finish)")
        print(header, flush=True)

        def report(where, t):
            results.append((where, t))
            print(_row(where, t, args.rows, args.partitions), f"(load {os.getloadavg()[0]:.1f})", flush=True)

        for workers in args.workers:
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster):
                t = bench_runs(lambda: dd.read_parquet(base), lambda: dd.read_parquet(grown), lfs, edited,
                               args.partitions, args.repeats, tmp, f"dask{workers}")
            report(f"Dask, {workers} worker{'s' if workers > 1 else ''}", t)
        if not args.skip_pandas:
            data = df.iloc[: chunk * args.partitions]
            grown_df = pd.concat([data, extra])
            t = bench_runs(lambda: data, lambda: grown_df, lfs, edited, args.partitions, args.repeats, tmp,
                           "pandas", chunk_rows=chunk)
            report("pandas in-process", t)
    load = os.getloadavg()
    print(f"\n## apply_lfs, {args.rows:,} rows × 20 LFs, {args.partitions} partitions "
          f"(load average at end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})")
    print(header)
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for where, t in results:
        print(_row(where, t, args.rows, args.partitions))


def _row(where: str, t: dict, rows: int, partitions: int) -> str:
    return (f"| {where} | {t['none']:.2f} | {t['cold']:.2f} | {t['cold'] / t['none']:.2f} | "
            f"{(t['cold'] - t['none']) / partitions * 1e3:.0f} | {t['edit']:.2f} | {t['cold'] / t['edit']:.1f} | "
            f"{t['grow']:.2f} | {t['warm']:.2f} | {rows / t['none']:,.0f} | "
            f"{t['cpu_none']:.1f} / {t['cpu_cold']:.1f} / {t['cpu_edit']:.2f} | {t['cpu_cold'] / t['cpu_none']:.2f} | "
            f"{t['cpu_cold'] / t['cpu_edit']:.1f} |")


if __name__ == "__main__":
    main()
