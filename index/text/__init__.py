"""Reading text: articles from seeds, sentences and paragraphs, passages, language, BM25 terms."""
