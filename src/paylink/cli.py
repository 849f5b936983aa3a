"""The ``paylink`` command."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="paylink")
def main() -> None:
    """Get invoices paid: quotes, invoices, payment links, statements and reconciliation."""
