"""The hybrid retrieval as a LangChain ``BaseRetriever`` (Documents with chunk metadata), for composing the
tutor's retrieval into other LangChain chains."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever


class RoadmapRetriever(BaseRetriever):
    hybrid: Any  # app.core.retrieval.HybridRetriever
    k: int = 6
    budget_tokens: int = 1200

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.hybrid.retrieve(query, k=self.k, budget_tokens=self.budget_tokens)
        return [Document(page_content=p.text, metadata={**p.metadata, "id": p.id, "score": p.score,
                                                         "found_by": p.sources}) for p in result.passages]
