"""The seeds folder as a living library: adding and removing articles, fetching pages, extracting them, feeds."""
