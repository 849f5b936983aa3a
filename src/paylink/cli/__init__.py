"""The ``paylink`` command: scriptable, with ``--json`` wherever it reports.

One module per command group; every ``--json`` prints through :func:`._output.print_json` and
every command that takes ``--db`` opens the database and picks the organization through
:mod:`._store`. Commands call the public :class:`~paylink.Paylink` API only.
"""

from __future__ import annotations

import click

from .demo import demo
from .desk import desk
from .document import document
from .einvoice import einvoice
from .feed import feed
from .init import init
from .outbox import dispatch, outbox
from .payfile import payfile
from .payouts import payouts
from .plugin import plugin
from .plugins import plugins
from .qr import qr
from .rates import rates
from .reconcile import reconcile
from .reference import reference
from .remind import remind
from .report import report
from .serve import serve
from .statement import statement

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="paylink-invoices")
def main() -> None:
    """Get invoices paid: quotes, invoices, payment links, statements and reconciliation."""


for _command in (
    init,
    demo,
    plugin,
    plugins,
    reference,
    qr,
    serve,
    feed,
    payfile,
    statement,
    reconcile,
    dispatch,
    outbox,
    document,
    remind,
    rates,
    report,
    einvoice,
    desk,
    payouts,
):
    main.add_command(_command)
