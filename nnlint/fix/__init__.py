"""Fixes: how rules propose them (`proposal`), how they become plain edits (`edits`), how
edits are applied to text (`apply`) and the lint-fix loop over a file (`loop`).

This package must stay importable by the rules without importing the lint pipeline.
"""
