"""Text: sentences (``sentences``), terms (``terms``: the one tokenizer of BM25 and
answer scoring) and chunking into model-sized, sentence-aligned passages (``chunking``)."""
