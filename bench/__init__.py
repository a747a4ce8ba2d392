"""Benchmarks: `make bench` (`python -m bench`, see __main__.py) prints how fast the app serves and
sends next to Django's own floor. Not part of `make test`: nothing here passes or fails on time."""
