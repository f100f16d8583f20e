"""The models: the embedder protocol, its two runtimes, the e5 model, the answer reader, each model's profile."""
