"""The durable run queue (DESIGN §8): every import is a run row, claimed and run by a worker.

``queued → running → applied | previewed | held | failed``. Enqueue with ``enqueue`` (its
input first spooled with ``spool.spool_stream`` or ``spool.spool_file``); workers
(``worker.work_one``, ``worker.Workers``) claim runs and call ``gateway.sync.run``.
"""

from gateway.queue.runs import ORIGINS, claim, enqueue

__all__ = ["ORIGINS", "claim", "enqueue"]
