"""The shape of the Milvus engine's rows and filters: the generation filter, literals
(milvus-lite takes no filter parameters), an article's rows and back, and the
syndicated-copy groups of a set of article rows (see :mod:`.client` for the collections)."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from index.sources.article import Article
from index.storage.milvus import client as mc
from index.storage.milvus.client import LIVE
from index.text import syndication

META_FIELDS = ("title", "date", "source", "url", "author", "origin")


def live_at(g: int) -> str:
    return f"g0 <= {int(g)} and g1 > {int(g)}"


def literal(value: Any) -> str:
    """``value`` written in a Milvus filter (milvus-lite takes no filter parameters)."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return json.dumps(str(value), ensure_ascii=False)


def in_list(field: str, values: Sequence[Any]) -> str:
    return f"{field} in [{', '.join(literal(v) for v in values)}]"


def read_json(client: Any, meta: str, key: str) -> Any:
    rows = client.get(meta, ids=[key], output_fields=["value"])
    return json.loads(rows[0]["value"]) if rows else None


def sentences_of(row: dict[str, Any]) -> bytes | None:
    return base64.b64decode(row["sentences"]) if row["sentences"] else None


def ordered(ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((ids, -scores))
    return ids[order], scores[order]


def article_rows(art: Article, g: int) -> list[dict[str, Any]]:
    """An article's rows: its text in pieces, its metadata on piece 0."""
    sig = (
        base64.b64encode(syndication.to_blob(syndication.signature(art.text))).decode("ascii")
        if syndication.long_enough(art.text)
        else None
    )
    meta = {k: getattr(art, k) for k in META_FIELDS} | {
        "content_hash": art.content_hash, "pages": list(art.pages) if art.pages else None, "sig": sig,
    }  # fmt: skip
    pieces = [art.text[i : i + mc.PIECE] for i in range(0, len(art.text), mc.PIECE)] or [""]
    return [
        {"key": f"{art.id}\x1f{g}\x1f{i}", "article_id": art.id, "part": i, "g0": g, "g1": LIVE, "text": p,
         "meta": json.dumps(meta) if i == 0 else "", "text_hash": art.text_hash if i == 0 else "",
         "dummy": mc.dummy()}
        for i, p in enumerate(pieces)
    ]  # fmt: skip


def article_from(article_id: str, rows: list[dict[str, Any]]) -> Article | None:
    """The article stored in ``rows`` (its pieces, any order), or None."""
    if not rows:
        return None
    rows = sorted(rows, key=lambda r: int(r["part"]))
    meta = json.loads(rows[0]["meta"])
    pages = meta.get("pages")
    return Article(
        article_id, meta["title"], "".join(r["text"] for r in rows),
        *(meta.get(k) for k in META_FIELDS[1:]), pages=tuple(pages) if pages is not None else None,
    )  # fmt: skip


def copy_groups(metas: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """``{representative: members}`` of the articles whose metadata (with their MinHash
    ``sig``) is ``metas``; members as :func:`index.storage.extras.groups` lists them."""
    sigs = {
        aid: syndication.from_blob(base64.b64decode(m["sig"])) for aid, m in metas.items() if m.get("sig")
    }
    out: dict[str, list[dict[str, Any]]] = {}
    for members in syndication.group(sigs):
        rep = syndication.representative([{"id": aid} | metas[aid] for aid in members])
        listed = [
            {k: metas[aid].get(k) for k in ("title", "source", "date", "url")} | {"article_id": aid}
            for aid in members
        ]
        listed.sort(
            key=lambda m: (m["article_id"] != rep, m["date"] is None, m["date"] or "", m["article_id"])
        )
        out[rep] = [
            {"article_id": m["article_id"], "title": m["title"], "source": m["source"], "date": m["date"],
             "url": m["url"]} for m in listed
        ]  # fmt: skip
    return out
