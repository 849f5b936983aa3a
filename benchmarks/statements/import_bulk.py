"""Import a generated statement file into a fresh SQLite database: seconds and peak memory.

`python -m benchmarks statement-import --entries 200000 --formats coda`: each import runs in
a fresh interpreter (so its peak resident memory is its own) on a new SQLite file; printed
are the wall time, the CPU time of the whole process (imports included), the peak RSS and the
transactions stored. A second import of the same file shows the re-import (nothing new).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .generate import WRITERS, generate

_CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from paylink import Paylink
pl = Paylink.open(sys.argv[1], secret="benchmark-url-token-secret-0123456789")
org = pl.organizations.create(name="Bench BV", country="BE", iban="BE71 0961 2345 6769")
c0 = time.process_time()
first = pl.statements.import_file(org, sys.argv[2])
t1 = time.perf_counter()
c1 = time.process_time() - c0
again = pl.statements.import_file(org, sys.argv[2])
t2 = time.perf_counter()
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": t1 - t0, "again": t2 - t1, "cpu": usage.ru_utime + usage.ru_stime,
                  "cpu_first": c1,
                  "rss_mb": usage.ru_maxrss / 1024, "new": first.new_transactions,
                  "again_new": again.new_transactions}))
"""


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module doc."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[100_000])
    parser.add_argument("--formats", nargs="+", default=["coda"], choices=list(WRITERS))
    parser.add_argument("--out", type=Path, default=Path("/tmp/paylink-bench"))
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f}")
    for fmt in args.formats:
        for count in args.entries:
            path = generate(fmt, count, args.out)
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{folder}/bench.db"
                out = subprocess.run(
                    [sys.executable, "-c", _CHILD, url, str(path)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            r = json.loads(out.splitlines()[-1])
            print(
                f"{fmt:6} {count:>9,} entries: {r['new']:>9,} stored in {r['wall']:6.1f} s "
                f"({r['new'] / r['wall']:,.0f}/s), CPU {r['cpu_first']:.1f} s (this import), "
                f"{r['cpu']:.1f} s (the process, both imports), "
                f"peak RSS {r['rss_mb']:.0f} MB; again: {r['again_new']} new in "
                f"{r['again']:.1f} s"
            )


if __name__ == "__main__":
    main()
