"""`rewriter rewrite` (the LLM and offline engines land in their own issues)."""
