"""A TinyDB storage for rollout's state file: `TinyDB(path, storage=AtomicJSONStorage)`.

rollout reads and writes the file itself (rollout.storage, through rollout.backends); this class is
for other programs that want TinyDB's queries on it. It is built by rollout.storage on first use
(`rollout.storage.AtomicJSONStorage` is the same class), so that module never imports this one.
"""

from __future__ import annotations

from rollout.storage import AtomicJSONStorage  # type: ignore[attr-defined]  # module __getattr__

__all__ = ["AtomicJSONStorage"]
