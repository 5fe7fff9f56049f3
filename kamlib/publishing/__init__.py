"""Publishing: the single writer of `outputs/` — versions, manifests, documents (HTML, PDF,
spreadsheets) and the history of what changed between versions."""
