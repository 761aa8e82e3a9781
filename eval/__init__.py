"""Question sets, metrics, benchmarks and reports; the demo corpus lives in ``eval/demo``."""
