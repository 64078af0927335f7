"""The maildir the mail server delivers into: what is waiting, mark done, set aside.

Blocking file work; the adapter runs it in a thread. Python 3.11's ``mailbox.Maildir``
cannot read a message's flags or move it without re-writing the file (``get_flags`` and
``set_flags`` arrive in 3.13), and re-writing would change the bytes a Message-ID-less
mail is keyed by. So files are found and renamed by the maildir naming rules
(``new/<key>``, ``cur/<key>:2,<flags>``); ``Maildir`` checks the folder and makes the
``.rejected`` sub-folder.
"""

from __future__ import annotations

import contextlib
import mailbox
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tousu_channels import ChannelError

REJECTED = "rejected"  # Maildir++ keeps it as the directory ".rejected"
SEEN = "S"


@dataclass(frozen=True)
class Waiting:
    """One message not yet seen: its maildir key and where its file is now."""

    key: str
    path: Path
    size: int


class MaildirBox:
    def __init__(self, root: str) -> None:
        self.root = Path(root)
        try:
            self._box = mailbox.Maildir(self.root, create=False)
        except (OSError, mailbox.Error) as exc:
            raise ChannelError(f"cannot open the maildir {root!r}: {type(exc).__name__}") from None
        if not (self.root / "new").is_dir() or not (self.root / "cur").is_dir():
            raise ChannelError(f"{root!r} is not a maildir (it needs new/ and cur/)")
        self.colon = self._box.colon
        #: where poll last saw each key, so settling one message does not scan cur/ again
        self._seen_at: dict[str, Path] = {}

    def waiting(self) -> list[Waiting]:
        """Everything in new/, and what is in cur/ without the S (seen) flag, oldest first."""
        found = [self._entry(e, e.name) for e in _files(self.root / "new")]
        for entry in _files(self.root / "cur"):
            key, _, info = entry.name.partition(self.colon)
            if SEEN not in _flags(info):
                found.append(self._entry(entry, key))
        found.sort(key=lambda w: w.key)  # keys start with the delivery time
        self._seen_at = {w.key: w.path for w in found}
        return found

    def read(self, item: Waiting) -> bytes:
        return item.path.read_bytes()

    def settle(self, key: str) -> None:
        """Done: into cur/ with the S flag (other flags kept). Gone already: another poller did it."""
        path = self._locate(key)
        if path is None:
            return
        _, _, info = path.name.partition(self.colon)
        flags = "".join(sorted(set(_flags(info)) | {SEEN}))
        _move(path, self.root / "cur" / f"{key}{self.colon}2,{flags}")
        self._seen_at.pop(key, None)

    def set_aside(self, key: str, reason: str) -> None:
        """Into the .rejected folder's new/ (unread, for an operator) beside ``<key>.error.txt``."""
        path = self._locate(key)
        if path is None:
            return
        folder = self._rejected()
        note = f"{datetime.now(UTC).isoformat(timespec='seconds')}\n{path.name}\n{reason}\n"
        (folder / f"{key}.error.txt").write_text(note, encoding="utf-8")  # the reason first: then the mail
        _move(path, folder / "new" / key)
        self._seen_at.pop(key, None)

    def _entry(self, entry: os.DirEntry[str], key: str) -> Waiting:
        return Waiting(key=key, path=Path(entry.path), size=entry.stat().st_size)

    def _locate(self, key: str) -> Path | None:
        if not key or "/" in key or key.startswith(".") or self.colon in key:
            raise ChannelError("not a key of this maildir")
        known = self._seen_at.get(key)
        if known is not None and known.exists():
            return known
        if (self.root / "new" / key).exists():
            return self.root / "new" / key
        for entry in _files(self.root / "cur"):
            if entry.name.partition(self.colon)[0] == key:
                return Path(entry.path)
        return None

    def _rejected(self) -> Path:
        if REJECTED not in self._box.list_folders():
            self._box.add_folder(REJECTED)
        return self.root / f".{REJECTED}"


def _files(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as entries:
        return [e for e in entries if not e.name.startswith(".") and e.is_file()]


def _flags(info: str) -> str:
    return info[2:] if info.startswith("2,") else ""


def _move(source: Path, target: Path) -> None:
    with contextlib.suppress(FileNotFoundError):  # another poller moved it first
        os.rename(source, target)
