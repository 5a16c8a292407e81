"""Demo data from Lillestrøm's business strategy, and a synthetic data generator at its scale.

`seed.seed_demo` loads the actors, clusters, places and sectors the strategy names (for
`make run` and for trying the app); `generate.generate` fills a database with tens of thousands
of synthetic records for benchmarks (see bench/core_records.py).
"""
