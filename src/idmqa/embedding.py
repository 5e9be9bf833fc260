"""Embedding questions and passages with the configured sentence-transformers model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from idmqa.modelstore import load_model, model_fingerprint, resolve_model_path
from idmqa.settings import Settings


class Encoder:
    """The embedding model with the E5 prompts applied consistently.

    Passages and questions must carry their own prefixes ("passage: " / "query: "):
    a passage embedded without its prefix measurably loses retrieval quality.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = resolve_model_path(settings)
        self.model = load_model(settings)
        self.name = settings.model
        self.fingerprint = model_fingerprint(self.path)
        self.dim = int(self.model.get_embedding_dimension())
        self.tokenizer = self.model.tokenizer

    def count_tokens(self, text: str) -> int:
        """Model tokens of ``text`` as a passage, prefix and special tokens included."""
        ids = self.tokenizer(self.settings.passage_prompt + text, add_special_tokens=True)
        return len(ids["input_ids"])

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """L2-normalised float32 passage embeddings, one row per text."""
        return self._encode(texts, self.settings.passage_prompt, progress)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 question embeddings, one row per text."""
        return self._encode(texts, self.settings.query_prompt, False)

    def _encode(self, texts: Sequence[str], prompt: str, progress: bool) -> np.ndarray:
        vectors = self.model.encode(
            list(texts),
            prompt=prompt,
            batch_size=self.settings.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
