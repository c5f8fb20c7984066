"""Formatters over Diagnostic (placeholder: being written)."""
