"""Pytest collection: the development corpus holds cases nnlint lints, not tests; some are
named like tests on purpose (test code is its own false-alarm class), so pytest skips it."""

collect_ignore_glob = ["corpus/*"]
