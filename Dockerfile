# syntax=docker/dockerfile:1
# Production image: `docker compose up` (docker-compose.yml) runs it as app, worker and migrate.

# ---- build: a virtualenv with the package and its dependencies ------------------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE alembic.ini babel.cfg requirements.lock ./
COPY community ./community
COPY search ./search
COPY migrations ./migrations
RUN python -m venv /opt/venv \
    # The locked versions with every backend client (PostgreSQL, Redis, Meilisearch), checked
    # against their hashes; then the forum itself.
    && /opt/venv/bin/pip install --require-hashes -r requirements.lock \
    && /opt/venv/bin/pip install --no-deps . \
    # Fail the build, not the start, on a broken catalog (the app compiles them in memory).
    && /opt/venv/bin/python -c "from community.web.i18n import translations; translations('en')"

# ---- run: no compilers, no pip cache, a user without a login ---------------------------------
FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    # Alembic finds alembic.ini and migrations/ next to the package in /app.
    PYTHONPATH=/app \
    COMMUNITY_DATA_DIR=/data
RUN groupadd --system community \
    && useradd --system --gid community --home-dir /app --shell /usr/sbin/nologin community \
    && mkdir -p /data && chown community:community /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /src /app
WORKDIR /app
USER community
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["community", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--no-demo"]
