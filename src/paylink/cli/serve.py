"""``paylink serve``: the web app of a database."""

from __future__ import annotations

import click

from ..exceptions import MissingExtra
from ..extras import require
from ._store import choose_base_url, db_option, open_paylink

__all__ = ["serve"]


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--base-url",
    default=None,
    help="Where the pages are reachable (else $PAYLINK_BASE_URL, else `base_url` in "
    "paylink.toml, else http://HOST:PORT on this machine).",
)
@click.option(
    "--dashboard-token",
    default=None,
    envvar="PAYLINK_DASHBOARD_TOKEN",
    help="Serve the merchant dashboard at /dashboard/ORG_ID to requests that present it.",
)
def serve(
    url: str | None, host: str, port: int, base_url: str | None, dashboard_token: str | None
) -> None:
    """Serve the customer pages (pay pages, quote approval, portal) of a database."""
    try:
        uvicorn = require("uvicorn", extra="web", feature="paylink serve")
        from ..web import create_app
    except MissingExtra as exc:
        raise click.ClickException(str(exc)) from exc
    import logging

    # The local address is serve's own default: the app runs on this machine.
    base = (choose_base_url(base_url) or f"http://{host}:{port}").rstrip("/")
    pl = open_paylink(url, base_url=base)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"paylink serving {pl.store!r} at {base}")
    # uvicorn's access log would print the tokens in URLs; the app logs masked paths instead.
    uvicorn.run(
        create_app(pl, dashboard_token=dashboard_token),
        host=host,
        port=port,
        access_log=False,
        log_level="info",
    )
