"""Source status values, in the order an item moves through them.

A module of its own so the window can use them without importing the database layer at start-up.
"""

QUEUED = "queued"
HARVESTING = "harvesting"
READY = "ready"
FAILED = "failed"
DUPLICATE = "duplicate"
CANCELLED = "cancelled"  # the person stopped it: it waits for Resume, never restarts on its own
STATUSES = (QUEUED, HARVESTING, READY, FAILED, DUPLICATE, CANCELLED)
