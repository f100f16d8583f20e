"""The models: the embedder protocol and its two runtimes, the bundled e5 model, the answer reader."""
