"""paylink's benchmarks: `python -m benchmarks [NAME ...]` (see README.md)."""
