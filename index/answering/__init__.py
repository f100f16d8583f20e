"""The question path: search, the off-topic gate, the reader judge, quotes, and the pipeline that runs them in order."""
