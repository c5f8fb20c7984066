from __future__ import annotations

import libcst as cst

from nnlint.analysis.facts import FileFacts


def analyze(module: cst.Module, path: str) -> FileFacts:
    return FileFacts(path=path, module=module, imports={})
