# civic-desk: the webhook service. Build: docker build -t civic-desk .
# Run with docker-compose.yml (PostgreSQL, Redis, migrations, two instances); see docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DESK_HOST=0.0.0.0 \
    DESK_PORT=8080 \
    DESK_LOG_FORMAT=json

WORKDIR /app
# The project stays in /app (an editable install): the knowledge base and the catalogs are read from here.
COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY handlers ./handlers
COPY knowledge ./knowledge
COPY locales ./locales
RUN pip install -e . \
    && python -c "from handlers.i18n import compile_catalogs; compile_catalogs()" \
    && civic-desk kb check \
    && useradd --system --no-create-home --shell /usr/sbin/nologin desk

USER desk
EXPOSE 8080
# Readiness (database and Redis reachable, schema current) decides whether the instance gets traffic.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"DESK_PORT\", \"8080\")}/readyz', timeout=4)"]
# SIGTERM: stop listening, finish the work in hand (DESK_SHUTDOWN_TIMEOUT), exit 0.
STOPSIGNAL SIGTERM
CMD ["civic-desk", "serve"]
