"""rollout: run a shop's market-by-market rollout from the terminal.

For scripts: `rollout.open(location)` (rollout.api, loaded on first use so `import rollout` stays cheap).
"""

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    if name == "open":
        from rollout.api import open

        return open
    raise AttributeError(f"module 'rollout' has no attribute {name!r}")
