"""Sync for one library, as the CLI and the window call it: set up, sync, status.

Nothing is ever sent unless sync was set up (a server URL stored in the library, a token in the
keyring). A server that is down costs one clear line and leaves every change waiting here for
the next sync; the app goes on working offline.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
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
    recent_previous: list[str] = field(default_factory=list)

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
        out += [f"  {line}" for line in self.recent_previous]
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

    def setup(self, url: str, token: str, *, library: str | None = None, check: bool = True) -> str:
        """Store the server URL (in the library) and the token (in the keyring), after checking both.

        Which library on the server this one mirrors: `library` (a uid or a name on the server); else
        the one it already mirrors; else the server's only library (a second computer joins the
        first one's); else a new one is made at the first sync. Returns a line saying which."""
        url = normalise_url(url)
        token = token.strip()
        chosen = self.records.get_state("library_uid") or ""
        who, what = "", "a new library on the server (made at the first sync)"
        if check:
            who, libs = asyncio.run(self._check(url, token))
            if library:
                match = [x for x in libs if library in (x["uid"], x["name"])]
                if not match:
                    names = ", ".join(f"{x['name']} ({x['uid']})" for x in libs) or "none yet"
                    raise KnownError(f"the server has no library '{library}'", item=url,
                                     hint=f"libraries there: {names}; leave --library out to make a new one")
                chosen = match[0]["uid"]
            elif not chosen and len(libs) == 1:
                chosen = libs[0]["uid"]
            for x in libs:
                if x["uid"] == chosen:
                    what = f"the library '{x['name']}' on the server ({x['records']} records)"
        before = self.records.state()
        if before.get("library_uid") and (before.get("library_uid") != chosen or before.get("server_url") != url):
            self.records.forget_server_state()  # another library or server: start that mirror afresh
        key = self.records.get_state("keyring_user") or uuid.uuid4().hex
        credentials.save_token(url, token, key)
        self.records.set_state(server_url=url, last_error=None, keyring_user=key, library_uid=chosen or None)
        self.lib.bus.publish(_sync_changed())
        return f"as '{who}', mirroring {what}" if who else f"mirroring {what}"

    async def _check(self, url: str, token: str) -> tuple[str, list[dict]]:
        async with HarvestAPI(url, token, retry=self.retry) as api:
            who = str((await api.me()).get("token_name", ""))
            return who, await api.libraries()

    def forget(self) -> None:
        url = self.server_url()
        if url:
            credentials.clear_token(url, self.records.get_state("keyring_user"))
        self.records.set_state(server_url=None)
        self.lib.bus.publish(_sync_changed())

    def status(self) -> SyncStatus:
        st = self.records.state()
        url = st.get("server_url") or None
        previous = self.records.previous_versions()
        return SyncStatus(url=url, has_token=bool(url and credentials.load_token(url, st.get("keyring_user", ""))),
                          last_sync=st.get("last_sync") or None, last_error=st.get("last_error") or None,
                          pending=self.records.pending_count(),
                          previous_versions=len(previous),
                          library_uid=st.get("library_uid") or None,
                          recent_previous=[f"{p.saved_at} {p.kind} '{p.title}': {p.reason}" for p in previous[-5:]])

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
        token = credentials.load_token(url, self.records.get_state("keyring_user"))
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
