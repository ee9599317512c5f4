"""Benchmarks: every module in this package with a ``main()`` is one (``python -m bench``)."""
