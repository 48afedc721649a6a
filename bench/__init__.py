"""Benchmarks of the real topology (`make bench`); not part of `make test` or CI.

`python -m bench` starts gunicorn web processes, a Celery worker and beat on the local PostgreSQL
and Redis, runs every scenario module and prints one table: each figure next to a baseline
measured in the same run, interleaved with it, and their ratio. See docs/performance.md.

A scenario is a module with `run(topology: Topology, options: Options) -> list[Row]`
(bench.common); bench.__main__ lists them.
"""
