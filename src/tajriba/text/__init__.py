"""Understanding customers' words: language, normalisation, sentiment, topics and personal data.

Batch in, batch out: every stage takes a list of texts and returns a list, vectorised where it counts.
The models are files shipped in `tajriba/text/models/` (trained by `tajriba text train`; docs/models.md).
"""
