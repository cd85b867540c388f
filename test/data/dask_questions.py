"""The fleet questions of docs/DATA.md in Dask distributed, over the CSV form of a tracepipe
dataset (Debian 12's Dask has no Parquet reader: no pyarrow, no fastparquet). A local cluster
of two worker processes; each capture's file is one partition. Prints one JSON object.

usage: python3 dask_questions.py <dataset-dir>
"""
import json
import sys

import dask.dataframe as dd
from distributed import Client, LocalCluster

HIVE = r"board=(?P<board>[^/]+)/capture=(?P<capture>[^/]+)/"


def table(root, name, dtype):
    df = dd.read_csv(f"{root}/csv/{name}/*/*/part-0.csv", blocksize=None, include_path_column="path", dtype=dtype)
    parts = df["path"].str.extract(HIVE, expand=True)
    df["board"] = parts["board"]
    df["capture"] = parts["capture"]
    return df.drop(columns=["path"])


def pairs(p):
    """Complete span pairs of one partition: per capture, session, core, id, a begin and the next end at its depth."""
    import pandas as pd

    out = []
    p = p.sort_values("ord")
    for _, g in p.groupby(["capture", "session", "core", "id"], sort=False):
        stack = []
        for kind, t in zip(g["kind"], g["t_ns"]):
            if kind == "span_begin":
                stack.append(int(t))
            elif stack:
                out.append(int(t) - stack.pop())
    return pd.DataFrame({"duration_ns": pd.Series(out, dtype="int64")})


def checksum(p):
    import pandas as pd

    return pd.Series([sum(int(t) for t in p["t_ns"]) % (1 << 64), len(p)], index=["sum", "n"])


def main(root):
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster, Client(cluster) as client:
        workers = len(client.scheduler_info()["workers"])
        ev = table(root, "events", {"t_ns": "int64", "kind": "object", "name": "object", "text": "object", "fields": "object",
                                      "unit": "object", "site": "object", "mismatch": "object", "args": "object", "blob": "object", "value": "object"})
        ls = table(root, "losses", {"count": "int64", "cause": "object"})
        per_board = ev.groupby("board").size().compute()
        lost = ls.groupby(["board", "cause"])["count"].sum().compute()
        spans = ev[ev["kind"].isin(["span_begin", "span_end"])].map_partitions(pairs, meta={"duration_ns": "int64"})
        d = sorted(int(x) for x in spans["duration_ns"].compute())
        sums = ev.map_partitions(lambda p: checksum(p).to_frame().T, meta={"sum": object, "n": "int64"}).compute()
        print(json.dumps({
            "workers": workers,
            "partitions": ev.npartitions,
            "events_per_board": {b: int(n) for b, n in sorted(per_board.items())},
            "lost": {f"{b}/{c}": int(n) for (b, c), n in sorted(lost.items())},
            "spans": {"n": len(d), "min": d[0], "max": d[-1], "p99": d[-(-99 * len(d) // 100) - 1]} if d else {"n": 0},
            "t_ns_sum_mod_2_64": str(sum(int(s) for s in sums["sum"]) % (1 << 64)),
            "events": int(sums["n"].sum()),
        }, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
