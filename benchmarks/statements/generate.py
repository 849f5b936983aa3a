"""Generate large, bank-shaped statement files for the benchmarks.

    python benchmarks/statements/generate.py --entries 100000 --out /tmp/bench
    python benchmarks/statements/generate.py --entries 1000000 --formats camt coda

Writes ``camt053_<N>.xml`` (camt.053.001.02), ``coda_<N>.cod`` and ``mt940_<N>.sta`` with N
entries each, streamed to disk (constant memory). The mix is what an invoicing business sees:
incoming transfers with an OGM or RF reference, outgoing payments, a batch entry or a
globalisation every 20 entries, a reversal every 50. Statements hold 5,000 entries each and
their balances add up. Values come from a seeded generator, so a file is reproducible.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from stdnum.be import ogm_vcs
from stdnum.iso7064 import mod_97_10

PER_STATEMENT = 5_000
ACCOUNT = "BE62510007547061"
NAMES = ["Garage Dupont SPRL", "Bakkerij Peeters", "Immo Claes", "Café Zoë", "Müller GmbH"]
IBANS = ["BE71096123456769", "DE89370400440532013000", "NL91ABNA0417164300", "BE43068999999501"]


def ogm(n: int) -> str:
    base = f"{n % 10**10:010d}"
    return base + ogm_vcs.calc_check_digits(base)


def rf(n: int) -> str:
    body = f"INV{n}"
    return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"


class Entry:
    """One generated movement; ``parts`` holds the detail amounts of a batch."""

    def __init__(self, rng: random.Random, n: int, day: dt.date) -> None:
        self.n = n
        self.day = day
        self.credit = rng.random() < 0.7
        self.reversal = n % 50 == 49
        self.cents = rng.randint(100, 500_000)
        self.parts = [self.cents // 2, self.cents - self.cents // 2] if n % 20 == 10 else []
        self.name = NAMES[n % len(NAMES)]
        self.iban = IBANS[n % len(IBANS)]
        self.ogm = ogm(n) if n % 3 == 0 else None
        self.rf = rf(n) if n % 3 == 1 else None
        self.text = f"Factuur {2026}-{n:07d} betaling"

    @property
    def signed_cents(self) -> int:
        sign = 1 if self.credit else -1
        return -sign * self.cents if self.reversal else sign * self.cents


def entries(count: int, seed: int = 2026) -> Iterator[list[Entry]]:
    """Yield statements as lists of entries (at most PER_STATEMENT each)."""
    rng = random.Random(seed)
    day = dt.date(2026, 1, 1)
    batch: list[Entry] = []
    for n in range(count):
        if n % 400 == 399:
            day += dt.timedelta(days=1)
        batch.append(Entry(rng, n, day))
        if len(batch) == PER_STATEMENT:
            yield batch
            batch = []
    if batch:
        yield batch


def money(cents: int) -> str:
    return f"{Decimal(abs(cents)).scaleb(-2):.2f}"


# --- camt.053.001.02 --------------------------------------------------------------------------


def write_camt(out: TextIO, count: int) -> None:
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">\n')
    out.write("<BkToCstmrStmt><GrpHdr><MsgId>BENCH</MsgId>")
    out.write("<CreDtTm>2026-12-31T00:00:00</CreDtTm></GrpHdr>\n")
    balance = 1_000_000
    for number, statement in enumerate(entries(count), start=1):
        closing = balance + sum(e.signed_cents for e in statement)
        out.write(f"<Stmt><Id>BENCH-{number}</Id><ElctrncSeqNb>{number}</ElctrncSeqNb>")
        out.write(f"<Acct><Id><IBAN>{ACCOUNT}</IBAN></Id><Ccy>EUR</Ccy></Acct>\n")
        for code, value, day in (
            ("OPBD", balance, statement[0].day),
            ("CLBD", closing, statement[-1].day),
        ):
            ind = "CRDT" if value >= 0 else "DBIT"
            out.write(
                f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
                f'<Amt Ccy="EUR">{money(value)}</Amt><CdtDbtInd>{ind}</CdtDbtInd>'
                f"<Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>\n"
            )
        for e in statement:
            out.write(_camt_entry(e))
        out.write("</Stmt>\n")
        balance = closing
    out.write("</BkToCstmrStmt></Document>\n")


def _camt_tx(e: Entry, cents: int, index: int) -> str:
    party = "Dbtr" if e.credit else "Cdtr"
    if e.ogm:
        rmt = (
            "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>BBA</Issr></Tp>"
            f"<Ref>{e.ogm}</Ref></CdtrRefInf></Strd>"
        )
    elif e.rf:
        rmt = (
            "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp>"
            f"<Ref>{e.rf}</Ref></CdtrRefInf></Strd>"
        )
    else:
        rmt = f"<Ustrd>{e.text}</Ustrd>"
    return (
        f"<TxDtls><Refs><EndToEndId>E2E-{e.n}-{index}</EndToEndId></Refs>"
        f'<AmtDtls><TxAmt><Amt Ccy="EUR">{money(cents)}</Amt></TxAmt></AmtDtls>'
        f"<RltdPties><{party}><Nm>{e.name}</Nm></{party}>"
        f"<{party}Acct><Id><IBAN>{e.iban}</IBAN></Id></{party}Acct></RltdPties>"
        f"<RltdAgts><{party}Agt><FinInstnId><BIC>GKCCBEBB</BIC></FinInstnId></{party}Agt>"
        f"</RltdAgts><RmtInf>{rmt}</RmtInf></TxDtls>"
    )


def _camt_entry(e: Entry) -> str:
    ind = "CRDT" if e.credit else "DBIT"
    rvsl = "<RvslInd>true</RvslInd>" if e.reversal else ""
    fam = "RCDT" if e.credit else "ICDT"
    details = (
        "".join(_camt_tx(e, cents, i) for i, cents in enumerate(e.parts, 1))
        if e.parts
        else _camt_tx(e, e.cents, 0)
    )
    return (
        f'<Ntry><Amt Ccy="EUR">{money(e.cents)}</Amt><CdtDbtInd>{ind}</CdtDbtInd>{rvsl}'
        f"<Sts>BOOK</Sts><BookgDt><Dt>{e.day.isoformat()}</Dt></BookgDt>"
        f"<ValDt><Dt>{e.day.isoformat()}</Dt></ValDt><AcctSvcrRef>B{e.n:09d}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{fam}</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>"
        f"</Domn></BkTxCd><NtryDtls>{details}</NtryDtls></Ntry>\n"
    )


# --- CODA -------------------------------------------------------------------------------------


def _rec(fields: list[tuple[int, str]]) -> str:
    line = [" "] * 128
    for pos, value in fields:
        line[pos - 1 : pos - 1 + len(value)] = value
    return "".join(line[:128]) + "\n"


def _ddmmyy(day: dt.date) -> str:
    return day.strftime("%d%m%y")


def write_coda(out: TextIO, count: int) -> None:
    balance = 1_000_000
    acc = ACCOUNT.ljust(34) + "EUR"
    for number, statement in enumerate(entries(count), start=1):
        first, last = statement[0].day, statement[-1].day
        out.write(_rec([(1, "00000"), (6, _ddmmyy(last)), (12, "300"), (15, "05"), (128, "2")]))
        sign = "0" if balance >= 0 else "1"
        out.write(
            _rec([(1, "12"), (3, f"{number % 1000:03d}"), (6, acc), (43, sign),
                  (44, f"{abs(balance) * 10:015d}"), (59, _ddmmyy(first)),
                  (65, "ATELIER VERBRUGGEN BV"), (126, f"{number % 1000:03d}")])
        )  # fmt: skip
        records, debits, credits = 2, 0, 0  # records 1 and 8
        for seq, e in enumerate(statement, start=1):
            movement = _coda_movement(e, seq % 10000)
            out.write(movement)
            for record in movement.splitlines():
                records += record[0] in "23"
                if record[:2] == "21" and record[53] in "01234":  # no detail: in the totals
                    if record[31] == "1":
                        debits += int(record[32:47])
                    else:
                        credits += int(record[32:47])
        balance += sum(e.signed_cents for e in statement)
        sign = "0" if balance >= 0 else "1"
        out.write(
            _rec([(1, "8"), (2, f"{number % 1000:03d}"), (5, acc), (42, sign),
                  (43, f"{abs(balance) * 10:015d}"), (58, _ddmmyy(last))])
        )  # fmt: skip
        out.write(
            _rec([(1, "9"), (17, f"{records:06d}"), (23, f"{debits:015d}"),
                  (38, f"{credits:015d}"), (128, "2")])
        )  # fmt: skip


def _coda_21(e: Entry, seq: int, detail: int, cents: int, kind: str, glob: str) -> str:
    sign = "0" if (e.credit != e.reversal) else "1"
    structured = e.ogm and kind != "1"
    comm = [(62, "1"), (63, f"101{e.ogm}")] if structured else [(62, "0"), (63, e.text)]
    return _rec(
        [(1, "21"), (3, f"{seq:04d}"), (7, f"{detail:04d}"), (11, f"B{e.n:020d}"), (32, sign),
         (33, f"{cents * 10:015d}"), (48, _ddmmyy(e.day)), (54, kind + "0150000"), *comm,
         (116, _ddmmyy(e.day)), (122, "001"), (125, glob), (126, "1"), (128, "0")]
    )  # fmt: skip


def _coda_movement(e: Entry, seq: int) -> str:
    lines = []
    items = [(0, e.cents, "0", "0")]
    if e.parts:
        items = [(0, e.cents, "1", "1")] + [
            (i, cents, "5", "0") for i, cents in enumerate(e.parts, 1)
        ]
    for detail, cents, kind, glob in items:
        lines.append(_coda_21(e, seq, detail, cents, kind, glob))
        if kind == "1":
            continue
        lines[-1] = lines[-1][:125] + "1" + lines[-1][126:]
        lines.append(
            _rec([(1, "22"), (3, f"{seq:04d}"), (7, f"{detail:04d}"), (64, f"E2E-{e.n}"),
                  (99, "GKCCBEBB"), (126, "1")])
        )  # fmt: skip
        lines.append(
            _rec([(1, "23"), (3, f"{seq:04d}"), (7, f"{detail:04d}"),
                  (11, e.iban.ljust(34) + "EUR"), (48, e.name)])
        )  # fmt: skip
    return "".join(lines)


# --- MT940 ------------------------------------------------------------------------------------


def write_mt940(out: TextIO, count: int) -> None:
    balance = 1_000_000
    for number, statement in enumerate(entries(count), start=1):
        first, last = statement[0].day, statement[-1].day
        out.write(f":20:BENCH{number}\n:25:{ACCOUNT} EUR\n:28C:{number}/1\n")
        out.write(f":60F:{_mt_balance(balance, first)}\n")
        for e in statement:
            out.write(_mt_entry(e))
        balance += sum(e.signed_cents for e in statement)
        out.write(f":62F:{_mt_balance(balance, last)}\n-\n")


def _mt_balance(cents: int, day: dt.date) -> str:
    return (
        f"{'C' if cents >= 0 else 'D'}{day.strftime('%y%m%d')}EUR{money(cents).replace('.', ',')}"
    )


def _mt_entry(e: Entry) -> str:
    mark = ("C" if e.credit else "D") if not e.reversal else ("RC" if e.credit else "RD")
    date = e.day.strftime("%y%m%d")
    svwz = e.ogm or e.rf or e.text
    return (
        f":61:{date}{date[2:]}{mark}{money(e.cents).replace('.', ',')}NTRFNONREF//B{e.n:09d}\n"
        f":86:166?00SEPA-GUTSCHRIFT?20EREF+E2E-{e.n}?21SVWZ+{svwz[:22]}?22{svwz[22:]}"
        f"?30GKCCBEBB?31{e.iban}?32{e.name}\n"
    )


WRITERS = {"camt": (write_camt, "camt053_{n}.xml"), "coda": (write_coda, "coda_{n}.cod"),
           "mt940": (write_mt940, "mt940_{n}.sta")}  # fmt: skip


def generate(fmt: str, count: int, folder: Path) -> Path:
    """Write a file of ``count`` entries in ``fmt`` into ``folder`` (reused when present)."""
    writer, pattern = WRITERS[fmt]
    path = folder / pattern.format(n=count)
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        encoding = "cp1252" if fmt == "coda" else "utf-8"
        with open(tmp, "w", encoding=encoding, newline="\n") as out:
            writer(out, count)
        tmp.rename(path)
    return path


def main() -> None:
    """Command line: see the module doc."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--formats", nargs="+", default=list(WRITERS), choices=list(WRITERS))
    parser.add_argument("--out", type=Path, default=Path("/tmp/paylink-bench"))
    args = parser.parse_args()
    for fmt in args.formats:
        print(generate(fmt, args.entries, args.out))


if __name__ == "__main__":
    main()
