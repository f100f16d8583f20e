"""Kutip's retrieval library: articles, passages, embeddings, FAISS and BM25 stores, search."""
