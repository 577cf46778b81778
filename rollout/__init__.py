"""rollout: run a shop's market-by-market rollout from the terminal."""

__version__ = "0.1.0"
