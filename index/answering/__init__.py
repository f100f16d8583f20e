"""The question path: search, the gate, the judge, quotes, each model's profile, and the pipeline that runs them."""
