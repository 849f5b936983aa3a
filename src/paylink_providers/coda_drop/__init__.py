"""CODA delivery folder: a bank feed reading the statement files banks deliver into a folder.

Belgian banks and CODA services (Billbank, CodaBox, the banks' own CODA delivery) drop one
file per statement into a folder (an SFTP drop, a synced share). Each sync picks up the files
there, paylink imports each in its own transaction, and the file moves to ``processed/`` —
or to ``rejected/`` with a ``.reason.txt`` next to it when it cannot be read. A file seen
before (same content) is set aside without importing anything twice.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from paylink.context import PluginContext, Setting
from paylink.exceptions import ValidationError
from paylink.feeds import FeedFile, FeedResult
from paylink.hookspecs import hookimpl

__all__ = ["CodaDrop"]

# Files still being written by the delivering service.
_PARTIAL = (".part", ".tmp", ".partial", ".filepart")


class CodaDrop:
    """Statement files delivered into ``folder`` (any format paylink reads, CODA typically)."""

    name: ClassVar[str] = "coda_drop"
    secret_settings: ClassVar[frozenset[str]] = frozenset()
    settings_spec: ClassVar[dict[str, Setting]] = {
        "folder": Setting(required=True, help="where the bank delivers its files"),
        "processed": Setting(help="where imported files go (default: folder/processed)"),
        "rejected": Setting(help="where unreadable files go (default: folder/rejected)"),
    }

    def __init__(
        self,
        *,
        folder: str,
        processed: str | None = None,
        rejected: str | None = None,
        http: Any = None,
        clock: Any = None,
        context: PluginContext | None = None,
    ) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise ValidationError(f"expected an existing folder, got {folder!r}", field="folder")
        self.context = context
        self.processed = Path(processed) if processed else self.folder / "processed"
        self.rejected = Path(rejected) if rejected else self.folder / "rejected"

    def __repr__(self) -> str:
        return f"CodaDrop(folder={str(self.folder)!r})"

    def _set_aside(self, path: Path) -> Callable[[bool, str], None]:
        def done(ok: bool, reason: str) -> None:
            target = self.processed if ok else self.rejected
            target.mkdir(parents=True, exist_ok=True)
            destination = target / path.name
            if destination.exists():  # a file of the same name was delivered before
                destination = target / f"{path.stem}-{path.stat().st_mtime_ns}{path.suffix}"
            shutil.move(str(path), destination)
            if not ok:
                destination.with_name(destination.name + ".reason.txt").write_text(
                    reason + "\n", encoding="utf-8"
                )

        return done

    def sync(self, state: Mapping[str, Any]) -> FeedResult:
        """The files waiting in the folder, oldest name first."""
        files = []
        for path in sorted(self.folder.iterdir()):
            if not path.is_file() or path.name.startswith(".") or path.suffix in _PARTIAL:
                continue
            files.append(FeedFile(path.name, path.read_bytes(), self._set_aside(path)))
        return FeedResult(files=files, state={"folder": str(self.folder)})


@hookimpl
def paylink_register_bank_feeds(register: Callable[[Any], None]) -> None:
    """Register :class:`CodaDrop`."""
    register(CodaDrop)
