"""The ``int8`` precision: a sentence-transformers model run by ONNX Runtime with int8 weights.

On CPUs without bfloat16 arithmetic (AVX2 only), PyTorch fp32 is the slow path: a single
query costs ~28 ms here through ``SentenceTransformer.encode``. The same model exported to
ONNX once, its MatMul weights quantized to int8 per output channel (dynamic quantization:
activations stay float), answers a query in ~4 ms and encodes passages ~1.4x faster, with
vectors at cosine ~0.993 of fp32 ones. Opening it imports neither torch nor transformers.

Supported models: a Transformer module followed by Pooling (mean, CLS or max) and optionally
Normalize, with a fast tokenizer (``tokenizer.json``) -- the usual sentence-transformers
layout, all-MiniLM-L6-v2 included. :func:`supports` says whether a folder qualifies.

The export (torch + transformers + onnx, a few seconds) runs the first time a model is used
and is cached under ``$QA_CACHE_DIR`` (default ``~/.cache/article-qa``) keyed by the model
folder's files, so a changed model is exported again; files are written to a temporary name
and renamed, so two processes exporting at once leave one whole file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.config import default_cache_dir
from index.embed import Spans, normalise, pool_spans
from index.errors import ModelError

CACHE_ENV = "QA_CACHE_DIR"
EXPORT_FORMAT = 1
BATCH = 8  # measured: small batches of length-sorted texts are fastest on 2 cores
_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"
_WEIGHTS = ("model.safetensors", "pytorch_model.bin")




def _modules(folder: Path) -> list[dict[str, Any]]:
    path = folder / "modules.json"
    if not path.is_file():
        return []
    return json.loads(path.read_text(encoding="utf-8"))


def _pooling(folder: Path) -> tuple[str, int] | None:
    """(mode, dimension) of the model's Pooling module, or None if unsupported."""
    mods = _modules(folder)
    types = [m.get("type", "") for m in mods]
    if not types or types[0] != _TRANSFORMER or mods[0].get("path", "") not in ("", "0_Transformer"):
        return None
    if len(types) < 2 or types[1] != _POOLING or any(t != _NORMALIZE for t in types[2:]):
        return None
    cfg = json.loads((folder / mods[1]["path"] / "config.json").read_text(encoding="utf-8"))
    modes = [m for m in ("cls_token", "mean_tokens", "max_tokens") if cfg.get(f"pooling_mode_{m}")]
    others = [k for k, v in cfg.items() if k.startswith("pooling_mode_") and v and k[13:] not in modes]
    if len(modes) != 1 or others:
        return None
    return modes[0], int(cfg["word_embedding_dimension"])


def supports(folder: str | Path) -> str | None:
    """None when the model folder can run as int8 here, else why not (one line)."""
    p = Path(folder)
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return "onnxruntime is not installed (pip install onnxruntime onnx)"
    if not (p / "tokenizer.json").is_file():
        return f"{p} has no tokenizer.json (a fast tokenizer is needed)"
    if not any((p / w).is_file() for w in _WEIGHTS):
        return f"{p} has no model.safetensors or pytorch_model.bin"
    try:
        if _pooling(p) is None:
            return f"{p} is not Transformer + Pooling (mean, CLS or max) [+ Normalize]"
    except (OSError, ValueError, KeyError) as exc:
        return f"{p}: unreadable module configuration ({exc})"
    return None


def _key(folder: Path) -> str:
    import onnxruntime

    h = hashlib.sha256(f"{EXPORT_FORMAT}|{onnxruntime.__version__}|{folder.resolve()}".encode())
    for name in sorted(os.listdir(folder)):
        f = folder / name
        if f.is_file():
            st = f.stat()
            h.update(f"|{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:24]


def exported(folder: str | Path, cache: Path | None = None) -> Path:
    """The cached int8 ONNX file for a model folder (kept under ``cache``, by default
    :func:`index.config.default_cache_dir`), exported now if missing."""
    p = Path(folder)
    why = supports(p)
    if why:
        raise ModelError(f"precision int8 cannot run this model: {why}; use QA_PRECISION=fp32")
    target = (cache or default_cache_dir()) / f"{p.resolve().name}-{_key(p)}" / "model-int8.onnx"
    if not target.is_file():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _export(p, target)
        except OSError as exc:
            raise ModelError(
                f"could not write the int8 export to {target.parent} ({exc}); set {CACHE_ENV} to a "
                "writable folder, or QA_PRECISION=fp32"
            ) from exc
        except Exception as exc:  # the exporter or quantizer could not handle this model
            raise ModelError(f"could not export {p} to ONNX int8 ({exc}); use QA_PRECISION=fp32") from exc
    return target


def _export(folder: Path, target: Path) -> None:
    import logging
    import sys
    import warnings

    print(f"exporting the model at {folder} to ONNX int8, once (cached in {target.parent})", file=sys.stderr)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer logs advice about pre-processing on the root logger
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's tracing warnings are about its internals
            _export_quiet(folder, target)
    finally:
        root.setLevel(level)


def _export_quiet(folder: Path, target: Path) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    names = _input_names(folder)

    class Hidden(torch.nn.Module):  # positional inputs in a fixed order, one output
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *args: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(names, args, strict=True))).last_hidden_state

    dummy = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]}
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        with torch.no_grad():
            torch.onnx.export(
                Hidden(), dummy, str(fp32), input_names=list(names), output_names=["hidden"],
                dynamic_axes=axes, opset_version=17, dynamo=False,
            )  # fmt: skip
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(int8, target)


def _input_names(folder: Path) -> tuple[str, ...]:
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    # BERT-like models take segment ids; RoBERTa/MPNet-like ones (type_vocab_size 1 or absent) do not.
    with_types = int(cfg.get("type_vocab_size", 0) or 0) > 1
    return ("input_ids", "attention_mask", *(("token_type_ids",) if with_types else ()))


class OnnxInt8Embedder:
    """A sentence-transformers model folder run by ONNX Runtime with int8 weights.
    Same contract as the PyTorch embedder: normalised float32 rows, ``max_tokens``
    word pieces, ``count_tokens`` in the model's own tokenizer."""

    precision = "int8"

    def __init__(self, path: str, name: str, threads: int | None = None, cache: Path | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        p = Path(path)
        onnx_file = exported(p, cache)
        mode, dim = _pooling(p) or ("mean_tokens", 0)
        bert = json.loads((p / "sentence_bert_config.json").read_text(encoding="utf-8")) if (
            p / "sentence_bert_config.json").is_file() else {}  # fmt: skip
        self.path = str(p.resolve())
        self.name = name
        self.dim = dim
        self._mode = mode
        self._lower = bool(bert.get("do_lower_case", False))
        max_seq = int(bert.get("max_seq_length") or 512)
        self.max_tokens = max_seq - 2  # room for [CLS] and [SEP], as for the PyTorch embedder
        self._count = Tokenizer.from_file(str(p / "tokenizer.json"))
        self._count.no_truncation()
        self._count.no_padding()
        self._tok = Tokenizer.from_file(str(p / "tokenizer.json"))
        self._tok.enable_truncation(max_seq)
        self._tok.no_padding()
        self._names = _input_names(p)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or os.cpu_count() or 1
        opts.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(str(onnx_file), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a damaged cache file: say where it is
            raise ModelError(
                f"could not load {onnx_file} ({exc}); delete it to export the model again"
            ) from exc

    def _prepare(self, texts: Sequence[str]) -> list[str]:
        return [t.lower() for t in texts] if self._lower else list(texts)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return self._encode(texts, None, progress)[0]

    def encode_spans(
        self, texts: Sequence[str], spans: Sequence[Spans], *, progress: bool = False
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        vecs, parts = self._encode(texts, spans, progress)
        return vecs, parts or []

    def _encode(
        self, texts: Sequence[str], spans: Sequence[Spans] | None, progress: bool
    ) -> tuple[np.ndarray, list[np.ndarray] | None]:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        parts: list[np.ndarray] | None = None if spans is None else [np.zeros(0)] * len(texts)
        if not texts:
            return out, parts
        encs = self._tok.encode_batch(self._prepare(texts))
        order = sorted(range(len(encs)), key=lambda i: -len(encs[i].ids))  # length-sorted batches pad little
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), desc="Batches", unit="text")
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            hidden, mask = self._run([encs[i] for i in rows])
            out[rows] = self._pool(hidden, mask)
            if parts is not None and spans is not None:
                for r, i in enumerate(rows):
                    n = len(encs[i].ids)
                    parts[i] = pool_spans(hidden[r, :n], encs[i].offsets, spans[i])
            if bar is not None:
                bar.update(len(rows))
        if bar is not None:
            bar.close()
        return out, parts

    def _run(self, encs: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """The token states of a batch (padded) and its attention mask."""
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for r, e in enumerate(encs):
            n = len(e.ids)
            ids[r, :n], mask[r, :n], types[r, :n] = e.ids, e.attention_mask, e.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return self._session.run(None, {n: feeds[n] for n in self._names})[0], mask

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        m = mask[..., None].astype(np.float32)
        if self._mode == "cls_token":
            vecs = hidden[:, 0]
        elif self._mode == "max_tokens":
            vecs = np.where(m > 0, hidden, -1e9).max(axis=1)
        else:
            vecs = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return normalise(vecs)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(e.ids) for e in self._count.encode_batch(self._prepare(texts), add_special_tokens=False)]
