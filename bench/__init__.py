"""Benchmarks: each prints a table of figures. Run them with `./herald bench`."""
