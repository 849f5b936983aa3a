"""``paylink serve``: the web app of a database."""

from __future__ import annotations

from pathlib import Path

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
@click.option(
    "--secret-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="A file holding the server secret the URL tokens derive from (default: "
    "$PAYLINK_SECRET, or the file $PAYLINK_SECRET_FILE).",
)
def serve(
    url: str | None,
    host: str,
    port: int,
    base_url: str | None,
    dashboard_token: str | None,
    secret_file: Path | None,
) -> None:
    """Serve the customer pages (pay pages, quote approval, portal) of a database.

    Every process serving the same database needs the same secret (``$PAYLINK_SECRET``,
    ``$PAYLINK_SECRET_FILE`` or ``--secret-file``): the database keeps the URL tokens' hashes
    only, and new URLs are derived from the secret."""
    try:
        uvicorn = require("uvicorn", extra="web", feature="paylink serve")
        from ..web import create_app
    except MissingExtra as exc:
        raise click.ClickException(str(exc)) from exc
    import logging

    # The local address is serve's own default: the app runs on this machine.
    base = (choose_base_url(base_url) or f"http://{host}:{port}").rstrip("/")
    secret = secret_file.read_text(encoding="utf-8").strip() if secret_file else None
    pl = open_paylink(url, base_url=base, secret=secret)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"paylink serving {pl.store!r} at {base}")
    click.echo(f"the merchant's desk: {base}/desk/login (users: paylink desk user add)")
    if pl.token_key is None:
        click.echo(
            "warning: no secret configured (--secret-file, $PAYLINK_SECRET or "
            "$PAYLINK_SECRET_FILE): the pages of URLs already sent open, but no new payment "
            "link can be made (approving a quote, paying from the portal)",
            err=True,
        )
    # uvicorn's access log would print the tokens in URLs; the app logs masked paths instead.
    uvicorn.run(
        create_app(pl, secret=secret, dashboard_token=dashboard_token),
        host=host,
        port=port,
        access_log=False,
        log_level="info",
    )
