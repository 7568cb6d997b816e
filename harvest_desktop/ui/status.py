"""Source status names as the UI uses them, without importing the database layer at start-up.

They mirror harvest_desktop.store.models (a test keeps the two in step).
"""

QUEUED = "queued"
HARVESTING = "harvesting"
READY = "ready"
FAILED = "failed"
DUPLICATE = "duplicate"
STATUSES = (QUEUED, HARVESTING, READY, FAILED, DUPLICATE)
