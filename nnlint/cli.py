"""Command line (placeholder: being written)."""


def main() -> None:
    raise SystemExit("nnlint: CLI not written yet")
