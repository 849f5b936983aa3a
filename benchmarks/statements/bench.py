"""Throughput and peak memory of paylink's statement readers against established parsers.

    python benchmarks/statements/bench.py --entries 10000 100000
    python benchmarks/statements/bench.py --entries 1000000 --formats coda --no-others

Each parse runs in its own subprocess; its peak resident memory is read from ``os.wait4``'s
rusage (``ru_maxrss``), its time is measured inside the worker around the parse only, as CPU
time (``time.process_time``: steadier than wall time on a shared machine; both are written to
``--json``). The
files come from ``generate.py`` (made on first use). Every parser reports the number of
transactions and their signed total, and the table says whether they agree with paylink's.

Established parsers (the ``bench`` extra): ``pycamt`` (camt.053), ``pycoda`` (CODA) and
``mt-940`` (MT940). pycamt re-searches the whole statement for every entry, so it is only
run up to ``--others-max-camt`` entries.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

OTHERS = {"camt": "pycamt", "coda": "pycoda", "mt940": "mt-940"}


# --- workers (run in the subprocess) ----------------------------------------------------------


def work_paylink(path: str) -> tuple[int, Decimal]:
    from paylink.statements import iter_transactions  # imported before the clock starts

    count, total = 0, Decimal(0)
    for tx in iter_transactions(path):
        count += 1
        total += tx.amount.amount
    return count, total


def work_pycamt(path: str) -> tuple[int, Decimal]:
    from pycamt.parser import Camt053Parser

    transactions = Camt053Parser.from_file(path).get_transactions()
    total = Decimal(0)
    for tx in transactions:
        amount = Decimal(tx["Amount"])
        if tx["CreditDebitIndicator"] == "DBIT":
            amount = -amount
        if (tx.get("ReversalIndicator") or "").lower() == "true":
            amount = -amount  # pycamt reports RvslInd; paylink applies it to the sign
        total += amount
    return len(transactions), total


def work_pycoda(path: str) -> tuple[int, Decimal]:
    from coda.parser import Parser
    from coda.statement import MovementRecordType

    count, total = 0, Decimal(0)
    for statement in Parser().parse_file(path):
        for movement in statement.movements:
            if movement.type == MovementRecordType.GLOBALISATION:
                continue  # paylink emits the details of a globalisation, not its total
            count += 1
            amount = Decimal(str(round(movement.transaction_amount, 3)))
            total += -amount if movement.transaction_amount_sign == "1" else amount
    return count, total.quantize(Decimal("0.01"))


def work_mt940(path: str) -> tuple[int, Decimal]:
    import mt940

    count, total = 0, Decimal(0)
    # reversal_sign: RC is money out, as in paylink (mt-940's default keeps RC positive).
    for tx in mt940.parse(path, options=mt940.Options(reversal_sign=True)):
        count += 1
        total += tx.data["amount"].amount
    return count, total


WORKERS = {
    "paylink": work_paylink,
    "pycamt": work_pycamt,
    "pycoda": work_pycoda,
    "mt-940": work_mt940,
}


IMPORTS = {
    "paylink": "paylink.statements",
    "pycamt": "pycamt.parser",
    "pycoda": "coda.parser",
    "mt-940": "mt940",
}


def worker(name: str, path: str) -> None:
    __import__(IMPORTS[name])  # import time is not parse time
    start, cpu_start = time.perf_counter(), time.process_time()
    count, total = WORKERS[name](path)
    cpu = time.process_time() - cpu_start
    wall = time.perf_counter() - start
    print(json.dumps({"count": count, "total": str(total), "seconds": cpu, "wall": wall}))


# --- driver -----------------------------------------------------------------------------------


def run(name: str, path: Path) -> dict[str, object]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--worker", name, str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        return {"parser": name, "error": f"exit {proc.returncode}"}
    result: dict[str, object] = json.loads(output)
    result["parser"] = name
    # ru_maxrss is in KiB on Linux.
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def main() -> None:
    """Command line: see the module doc."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=list(OTHERS), choices=list(OTHERS))
    parser.add_argument("--out", type=Path, default=Path("/tmp/paylink-bench"))
    parser.add_argument("--no-others", action="store_true", help="benchmark paylink only")
    parser.add_argument("--others-max-camt", type=int, default=10_000)
    parser.add_argument("--others-max", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per parser; the best counts")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--worker", nargs=2, metavar=("PARSER", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}")  # fmt: skip
    header = f"{'format':<6} {'entries':>8} {'parser':<8} {'count':>8} {'total':>16} "
    print(header + f"{'seconds':>8} {'entries/s':>10} {'peak MB':>8}  agrees")
    results = []
    for entries in args.entries:
        for fmt in args.formats:
            path = generate(fmt, entries, args.out)
            names = ["paylink"]
            limit = args.others_max_camt if fmt == "camt" else args.others_max
            if not args.no_others and entries <= limit:
                names.append(OTHERS[fmt])
            ours: dict[str, object] | None = None
            for name in names:
                # Best of --repeat runs: the least disturbed by other work on the machine.
                runs = [run(name, path) for _ in range(args.repeat)]
                ok = [r for r in runs if "error" not in r]
                result = min(ok, key=lambda r: float(r["seconds"])) if ok else runs[0]  # type: ignore[arg-type]
                result.update(format=fmt, entries=entries)
                results.append(result)
                if "error" in result:
                    print(f"{fmt:<6} {entries:>8} {name:<8} {result['error']}")
                    continue
                if name == "paylink":
                    ours = result
                agrees = (
                    "-"
                    if name == "paylink" or ours is None
                    else str(result["count"] == ours["count"] and result["total"] == ours["total"])
                )
                seconds = float(result["seconds"])  # type: ignore[arg-type]
                count = int(result["count"])  # type: ignore[call-overload]
                print(
                    f"{fmt:<6} {entries:>8} {name:<8} {count:>8} {result['total']:>16} "
                    f"{seconds:>8.2f} {count / seconds:>10.0f} {result['peak_mb']:>8.1f}  {agrees}"
                )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
