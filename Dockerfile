# QR Board as a container, for sites that run it on a server with PostgreSQL (see compose.yaml and the README's
# "Deploy"). Everything is installed here, at build time: a running container fetches nothing (Streamlit's usage
# statistics are off in .streamlit/config.toml; kaleido draws with Debian's Chromium, never a downloaded one).
# No container engine can build or run it on the development machines; tests/unit/test_container_files.py checks
# this file and compose.yaml instead (see the README).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
# CJK fonts for the minutes, 8D and printed board PDFs (DejaVu for the marks Noto CJK lacks); Chromium for the
# weekly pack's chart pictures (kaleido).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk fonts-dejavu-core chromium \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
# What the app reads at run time, and nothing else (no tests, benchmarks or docs).
COPY board.py models.py alembic.ini ./
COPY qr/ qr/
COPY app_pages/ app_pages/
COPY migrations/ migrations/
COPY .streamlit/config.toml .streamlit/config.toml
RUN useradd --system --home-dir /app qr && mkdir -p /app/data && chown -R qr /app/data
USER qr

EXPOSE 8501
# healthy: the database answers and its schema is current (qr/web.py), not only that Streamlit runs
HEALTHCHECK --interval=30s --timeout=5s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/healthz', timeout=4)"
CMD ["python", "-m", "streamlit", "run", "board.py", "--server.port=8501", "--server.address=0.0.0.0"]
