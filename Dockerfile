# One image for every role: web (the default command), `upstander worker`, `upstander beat`,
# `upstander db upgrade`. See docs/deploy.md.
FROM python:3.11-slim

# The app finds templates/, static/ and migrations/ next to the network package, so it is
# imported from the source tree in /app (PYTHONPATH), not from site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    INSTANCE_PATH=/app/instance

WORKDIR /app

# Dependencies first, in their own layer: a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir network && touch network/__init__.py \
    && pip install . \
    && rm -rf network build

COPY . .
RUN pybabel compile --use-fuzzy -d network/translations -D messages \
    && pip install --no-deps --force-reinstall . \
    && rm -rf build *.egg-info \
    && useradd --system --uid 10001 --create-home --home-dir /home/upstander upstander \
    && mkdir -p /app/instance \
    && chown upstander /app/instance

# The code stays owned by root; the app may only write to its instance folder.
USER upstander

EXPOSE 8000

# gunicorn.conf.py: the gevent WebSocket worker, one process per container (scale with more
# containers, one per core), 4,000 connections instead of gunicorn's default of 1,000, port 8000.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "network:create_app()"]
