"""The answer reader: for a question and a passage, the answer span and whether there is one."""

from index.models.reader.reading import Reader, Reading, TrainedReader, load_reader

__all__ = ["Reader", "Reading", "TrainedReader", "load_reader"]
