"""Batch mode: a submitted 270 batch is acknowledged (999) at once, answered in the background,
and its 271s wait for pickup by the submission's PayloadID until the results are acknowledged.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field


@dataclass(slots=True)
class BatchJob:
    payload_id: str
    sender_id: str
    ack: str  # the 999 acknowledging the submission
    results: Future[str] = field(default_factory=Future)
    results_type: str = ""


class BatchStore:
    """Batches by PayloadID, oldest dropped beyond ``max_batches``; one background worker."""

    def __init__(self, max_batches: int = 1000) -> None:
        self.max_batches = max_batches
        self._jobs: OrderedDict[str, BatchJob] = OrderedDict()
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="payersim-batch")

    def submit(self, job: BatchJob, answer: Callable[[], tuple[str, str]]) -> None:
        with self._lock:
            self._jobs[job.payload_id] = job
            while len(self._jobs) > self.max_batches:
                self._jobs.popitem(last=False)

        def run() -> None:
            try:
                job.results_type, text = answer()
                job.results.set_result(text)
            except Exception as exc:  # kept for the retrieval to report
                job.results.set_exception(exc)

        self._worker.submit(run)

    def get(self, payload_id: str, sender_id: str) -> BatchJob | None:
        """The sender's batch with this PayloadID (another sender's is not theirs to see)."""
        job = self._jobs.get(payload_id)
        return job if job is not None and job.sender_id == sender_id else None

    def forget(self, payload_id: str) -> None:
        with self._lock:
            self._jobs.pop(payload_id, None)

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)
