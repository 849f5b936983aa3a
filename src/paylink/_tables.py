"""Tables for notebooks: DataFrames both ways, short HTML views.

pandas and polars are optional: they are imported only when a DataFrame is asked for, so the
pure packages stay light to import. Amounts go out exact, as :class:`decimal.Decimal` (object
columns in pandas, ``Decimal`` columns in polars) or, with ``amounts="minor"``, as integer minor
units (``int64``); they are never floats. Dates go out as dates (``datetime64`` in pandas).
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from .exceptions import MissingExtra, ValidationError
from .extras import require

__all__ = ["Amounts", "Backend", "frame", "html_table", "is_dataframe", "records_of"]

Backend = Literal["pandas", "polars"]
Amounts = Literal["decimal", "minor"]

# How many rows a notebook view shows: enough to see the shape, never megabytes.
SHOWN_ROWS = 10


def _module(name: str) -> Any:
    if name == "polars":  # not part of the notebook extra: the user chose it
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            raise MissingExtra(
                "DataFrames with polars", "notebook", name, hint="pip install polars"
            ) from exc
    return require(name, extra="notebook", feature="DataFrames")


def frame(
    records: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    backend: Backend = "pandas",
    dates: Iterable[str] = (),
) -> Any:
    """A DataFrame of ``records`` with exactly ``columns``, in that order.

    ``dates`` names the columns holding :class:`datetime.date` values: pandas gets them as
    ``datetime64`` (so ``.dt`` and resampling work), polars as ``Date``.
    """
    if backend == "pandas":
        pd = _module("pandas")
        df = pd.DataFrame.from_records(list(records), columns=list(columns))
        for name in dates:
            df[name] = pd.to_datetime(df[name])
        return df
    if backend == "polars":
        pl = _module("polars")
        rows = [{c: r.get(c) for c in columns} for r in records]
        return pl.DataFrame(rows, schema=list(columns), infer_schema_length=None, orient="row")
    raise ValidationError(f"expected 'pandas' or 'polars', got {backend!r}", field="backend")


def is_dataframe(value: object) -> bool:
    """True for a pandas or polars DataFrame (checked by its type's module, no import)."""
    module = type(value).__module__
    return type(value).__name__ == "DataFrame" and module.split(".")[0] in ("pandas", "polars")


def _plain(value: Any) -> Any:
    """A DataFrame cell as a plain Python value: missing values become ``None``, timestamps
    dates, numpy scalars Python numbers."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    name = type(value).__name__
    if name in ("NaTType", "NAType"):
        return None
    if name == "Timestamp":
        return value.date()
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return value.item()
    return value


def records_of(data: Any, *, what: str, required: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Rows of a pandas/polars DataFrame as plain dicts, after checking ``required`` columns.

    ``what`` names the argument in the error ("transactions", "open items", "labels").
    """
    columns = [str(c) for c in data.columns]
    missing = [c for c in required if c not in columns]
    if missing:
        raise ValidationError(
            f"{what}: the DataFrame lacks the column(s) {', '.join(missing)}; expected at least "
            f"{', '.join(required)} (it has {', '.join(columns) or 'no columns'})",
            field=missing[0],
        )
    if type(data).__module__.split(".")[0] == "polars":
        rows = data.to_dicts()
    else:
        rows = data.to_dict("records")
    return [{str(k): _plain(v) for k, v in row.items()} for row in rows]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,}"
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def html_table(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    total: int,
    summary: Sequence[tuple[str, Any]] = (),
) -> str:
    """A small, escaped HTML table: a title, a summary line, at most :data:`SHOWN_ROWS` rows
    (``rows`` is only read that far) and how many were left out of ``total``."""
    out = [f"<div><strong>{html.escape(title)}</strong>"]
    if summary:
        parts = [f"{html.escape(k)}: {html.escape(_cell(v))}" for k, v in summary]
        out.append(f"<div>{' · '.join(parts)}</div>")
    out.append("<table><thead><tr>")
    out.extend(f"<th>{html.escape(c)}</th>" for c in columns)
    out.append("</tr></thead><tbody>")
    shown = 0
    for row in rows:
        if shown == SHOWN_ROWS:
            break
        out.append("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>")
        shown += 1
    out.append("</tbody></table>")
    if total > shown:
        out.append(f"<div>… {total - shown:,} more row(s); use .to_dataframe() for all</div>")
    out.append("</div>")
    return "".join(out)
