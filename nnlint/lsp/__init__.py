"""The language server (`nnlint server`); needs the `lsp` extra (pygls)."""
