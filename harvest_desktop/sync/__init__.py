"""Sync with a Harvest server: the API client (the SDK, client.py), the sync engine (engine.py),
the token in the keyring (credentials.py) and the service the front ends call (service.py).

    from harvest_desktop.sync.client import HarvestAPI      # the SDK on its own
    from harvest_desktop.sync.service import SyncService    # setup / sync / status for a Library

The server itself is harvest_desktop.server (`harvest-server`, the `server` extra).
"""
