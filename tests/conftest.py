"""Suite-wide pytest settings."""

# tests/corpus holds the development corpus: code to lint, read by tests/test_dev_corpus.py,
# never run. Some cases are named like tests on purpose (test-code detection is what they
# check), so pytest must not collect anything there.
collect_ignore_glob = ["corpus/*"]
