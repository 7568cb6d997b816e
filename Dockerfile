# harvest-server, the self-hostable Harvest sync API, in a container (no desktop parts inside).
#   docker build -t harvest-server .
#   docker run -p 8765:8765 -v harvest-data:/data harvest-server            # SQLite in /data
#   docker compose up -d                                                     # with PostgreSQL (compose.yaml)
# Tokens: docker compose exec server harvest-server token create laptop
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HARVEST_SERVER_DB=sqlite:////data/harvest-server.db \
    HARVEST_SERVER_HOST=0.0.0.0 HARVEST_SERVER_PORT=8765

WORKDIR /app
# Only what the server needs: FastAPI, uvicorn, sqlmodel, psycopg; the package itself without the
# desktop dependencies (Qt, torch, ...), which the server never imports.
RUN pip install --no-cache-dir "fastapi>=0.110" "uvicorn>=0.29" "psycopg[binary]>=3.1" "sqlmodel>=0.0.22"
COPY pyproject.toml README.md ./
COPY harvest_desktop ./harvest_desktop
RUN pip install --no-cache-dir --no-deps . \
    && useradd --system --home-dir /data --create-home harvest
USER harvest
VOLUME /data
EXPOSE 8765
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8765/v1/health', timeout=4)" || exit 1
ENTRYPOINT ["harvest-server"]
