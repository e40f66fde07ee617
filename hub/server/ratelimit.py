"""Per-key limits: requests per minute (a token bucket) and uploads in flight.

In memory, per hub process: a hub is one process (its workers only validate), so the counts
are exact. Both limits answer 429 with ``Retry-After`` (whole seconds, at least 1).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class RateLimiter:
    """``take(key, per_minute)`` -> 0 when allowed, else the seconds to wait."""

    clock: object = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _uploads: dict[str, int] = field(default_factory=dict)

    def take(self, key: str, per_minute: int) -> int:
        now = self.clock()  # type: ignore[operator]
        rate = per_minute / 60.0
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(per_minute), now)
        bucket.tokens = min(float(per_minute), bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0
        return max(1, math.ceil((1.0 - bucket.tokens) / rate))

    def start_upload(self, key: str, limit: int) -> bool:
        count = self._uploads.get(key, 0)
        if count >= limit:
            return False
        self._uploads[key] = count + 1
        return True

    def end_upload(self, key: str) -> None:
        count = self._uploads.get(key, 0) - 1
        if count > 0:
            self._uploads[key] = count
        else:
            self._uploads.pop(key, None)

    def uploads(self, key: str) -> int:
        return self._uploads.get(key, 0)
