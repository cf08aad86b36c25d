"""Precompute the document embeddings of the bundled catalogue into data/embeddings/.

The vector store's first ingest then reads the vectors instead of running the model over ~9.7k
documents (minutes on a laptop). Keys are sha256(model name + document text), so an item whose
document changed is simply re-embedded at ingest. Rerun this after changing the bundled data or
the document format (retrieval/vectors/documents.py):

    .venv/bin/python scripts/precompute_embeddings.py [CATALOGUE_DIR] [OUT_DIR]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.catalogue import load_catalogue  # noqa: E402
from retrieval.vectors import (  # noqa: E402
    MODEL_NAME,
    EmbeddingCache,
    MiniLMEmbeddingFunction,
    catalogue_documents,
    content_key,
    write_layer,
)


def main() -> None:
    catalogue_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data"
    out_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "data" / "embeddings"
    docs = catalogue_documents(load_catalogue(catalogue_dir))
    texts = [d.text for d in docs]
    function = MiniLMEmbeddingFunction()
    cache = EmbeddingCache(None, seeds=[out_dir])  # reuse what is there; compute only the new texts
    started = time.perf_counter()
    done = 0
    for start in range(0, len(texts), 512):
        _, computed = cache.embed(texts[start : start + 512], function)
        done += computed
        print(f"{min(start + 512, len(texts))}/{len(texts)} documents ({done} embedded)", flush=True)
    keys = [content_key(t) for t in texts]
    unique = list(dict.fromkeys(keys))
    vectors = [cache.get(k) for k in unique]
    import numpy as np

    write_layer(out_dir, unique, np.stack([v for v in vectors if v is not None]), MODEL_NAME)
    size = sum(p.stat().st_size for p in out_dir.iterdir())
    print(
        f"wrote {len(unique)} vectors to {out_dir} ({size / 1e6:.1f} MB) in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
