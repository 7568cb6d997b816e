"""Sync for one library, as the CLI and the window call it: set up, sync, status.

Nothing is ever sent unless sync was set up (a server URL stored in the library, a token in the
keyring). A server that is down costs one clear line and leaves every change waiting here for
the next sync; the app goes on working offline.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harvest_desktop.core.cancel import NEVER, CancelToken
from harvest_desktop.core.errors import KnownError
from harvest_desktop.core.progress import ProgressFn, no_progress
from harvest_desktop.net import RetryPolicy
from harvest_desktop.store.sync_records import Previous, SyncRecords
from harvest_desktop.sync import credentials
from harvest_desktop.sync.client import HarvestAPI, SyncAuthError, normalise_url
from harvest_desktop.sync.engine import SyncEngine, SyncReport, now_iso

if TYPE_CHECKING:
    from harvest_desktop.library import Library


class NotSetUp(KnownError):
    """Sync was never set up for this library."""


@dataclass
class SyncStatus:
    url: str | None
    has_token: bool
    last_sync: str | None
    last_error: str | None
    pending: int
    previous_versions: int
    library_uid: str | None

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def lines(self) -> list[str]:
        if not self.url:
            return ["sync is not set up (harvest sync setup URL)"]
        out = [f"server: {self.url}" + ("" if self.has_token else " (no token in the key store: run setup again)"),
               f"last sync: {self.last_sync or 'never'}",
               f"waiting to be sent: {self.pending} change(s)",
               f"previous versions kept from conflicts: {self.previous_versions}"]
        if self.last_error:
            out.append(f"last error: {self.last_error}")
        return out


class SyncService:
    def __init__(self, lib: "Library", *, retry: RetryPolicy | None = None) -> None:
        self.lib = lib
        self.records = SyncRecords(lib.db)
        self.retry = retry

    # -- settings ------------------------------------------------------------------------------------
    def server_url(self) -> str | None:
        return self.records.get_state("server_url") or None

    def setup(self, url: str, token: str, *, check: bool = True) -> str:
        """Store the server URL (in the library) and the token (in the keyring); check it first."""
        url = normalise_url(url)
        token = token.strip()
        if check:
            who = asyncio.run(self._check(url, token))
        else:
            who = ""
        credentials.save_token(url, token)
        self.records.set_state(server_url=url, last_error=None)
        self.lib.bus.publish(_sync_changed())
        return who

    async def _check(self, url: str, token: str) -> str:
        async with HarvestAPI(url, token, retry=self.retry) as api:
            return str((await api.me()).get("token_name", ""))

    def forget(self) -> None:
        url = self.server_url()
        if url:
            credentials.clear_token(url)
        self.records.set_state(server_url=None)
        self.lib.bus.publish(_sync_changed())

    def status(self) -> SyncStatus:
        st = self.records.state()
        url = st.get("server_url") or None
        return SyncStatus(url=url, has_token=bool(url and credentials.load_token(url)),
                          last_sync=st.get("last_sync") or None, last_error=st.get("last_error") or None,
                          pending=self.records.pending_count(),
                          previous_versions=len(self.records.previous_versions()),
                          library_uid=st.get("library_uid") or None)

    def previous_versions(self, uid: str | None = None) -> list[Previous]:
        return self.records.previous_versions(uid)

    # -- syncing -------------------------------------------------------------------------------------
    async def sync(self, *, progress: ProgressFn = no_progress, cancel: CancelToken = NEVER,
                   batch_records: int | None = None) -> SyncReport:
        """Pull then push; publishes what changed on the library's bus. Raises KnownError when the
        server cannot be used (the error is also remembered for `sync status`)."""
        url = self.server_url()
        if not url:
            raise NotSetUp("sync is not set up for this library", hint="run `harvest sync setup URL` first")
        token = credentials.load_token(url)
        if not token:
            raise SyncAuthError("there is no sync token in the key store for " + url,
                                hint="run `harvest sync setup URL` again and paste the token")
        kwargs = {"batch_records": batch_records} if batch_records else {}
        try:
            async with HarvestAPI(url, token, retry=self.retry, cancel=cancel) as api:
                report = await SyncEngine(self.lib.db, api, **kwargs).run(progress=progress, cancel=cancel)
        except KnownError as exc:
            self.records.set_state(last_error=f"{now_iso()} {exc.message}")
            self.lib.bus.publish(_sync_changed())
            raise
        if report.changes.sources and self.lib._ctx.index_opened:
            await asyncio.get_running_loop().run_in_executor(None, self.lib.index.ensure_consistent)
        self.lib.bus.publish(report.changes)
        return report

    def sync_blocking(self, **kw) -> SyncReport:
        """For the CLI, scripts and worker threads without a running loop."""
        return asyncio.run(self.sync(**kw))


def _sync_changed():
    from harvest_desktop.services.changes import Changes

    return Changes(sync=True)
