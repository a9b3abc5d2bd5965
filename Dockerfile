# QR Board as a container, for sites that run it on a server with PostgreSQL (see compose.yaml).
# Not needed for the two basic commands of the README; CI does not build it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# CJK fonts for the minutes, 8D and printed board PDFs (DejaVu for the marks Noto CJK lacks); Chromium for the
# weekly pack's chart pictures (kaleido).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk fonts-dejavu-core chromium \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --system --home-dir /app qr && mkdir -p /app/data && chown -R qr /app/data
USER qr

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
CMD ["python", "-m", "streamlit", "run", "board.py", "--server.port=8501", "--server.address=0.0.0.0"]
