# syntax=docker/dockerfile:1
# idmqa: model and index are built at image build time, so a container serves with no network.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# Pass --build-arg PIP_INDEX_URL=… pointing at a CPU-only torch index where the default index
# would resolve torch to a CUDA build.
ARG PIP_INDEX_URL
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
RUN pip install "torch==2.13.0"
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install .
COPY corpus ./corpus
ENV IDMQA_CACHE_DIR=/app/cache IDMQA_CORPUS_DIR=/app/corpus IDMQA_INDEX_DIR=/app/index
RUN idmqa index

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 idmqa
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=idmqa /app /app
ENV PATH=/opt/venv/bin:$PATH IDMQA_CACHE_DIR=/app/cache IDMQA_CORPUS_DIR=/app/corpus \
    IDMQA_INDEX_DIR=/app/index IDMQA_HOST=0.0.0.0 IDMQA_PORT=8000 HF_HUB_OFFLINE=1
WORKDIR /app
USER idmqa
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/ready').status != 200)"
CMD ["idmqa", "serve"]
