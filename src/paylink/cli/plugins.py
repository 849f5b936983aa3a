"""``paylink plugins``: what the plugin manager loaded."""

from __future__ import annotations

import click

from ._output import print_json

__all__ = ["plugins"]


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins(as_json: bool) -> None:
    """List the loaded plugins, with their versions and hooks, and the broken ones.

    A plugin that cannot be loaded (an import error, a missing extra, a failing registration)
    is listed as broken with the reason; the others work, and the command succeeds.
    """
    from ..plugins import Plugins

    registry = Plugins()
    infos = registry.describe()
    broken = registry.broken()
    if as_json:
        print_json(
            {
                "plugins": [
                    {
                        "name": p.name,
                        "distribution": p.distribution,
                        "version": p.version,
                        "hooks": list(p.hooks),
                    }
                    for p in infos
                ],
                "payment_providers": sorted(registry.payment_providers),
                "channels": sorted(registry.channels),
                "bank_feeds": sorted(registry.bank_feeds),
                "statement_formats": sorted(registry.statement_formats),
                "broken": [
                    {
                        "name": b.name,
                        "distribution": b.distribution,
                        "version": b.version,
                        "reason": b.reason,
                    }
                    for b in broken
                ],
            }
        )
        return
    width = max((len(p.name) for p in infos), default=10)
    for p in infos:
        click.echo(f"{p.name:<{width}}  {p.distribution} {p.version}  {', '.join(p.hooks)}")
    click.echo("")
    click.echo(f"payment providers: {', '.join(sorted(registry.payment_providers)) or '-'}")
    click.echo(f"message channels:  {', '.join(sorted(registry.channels)) or '-'}")
    click.echo(f"bank feeds:        {', '.join(sorted(registry.bank_feeds)) or '-'}")
    click.echo(f"statement formats: {', '.join(sorted(registry.statement_formats)) or '-'}")
    for b in broken:
        click.echo(f"broken: {b.name} ({b.distribution} {b.version}): {b.reason}")
