# One image for every role of the scaled deployment; docker-compose.yml picks the role
# by its command: gauntlet api | gauntlet worker | gauntlet loadgen-worker.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /src

# Dependencies in a layer of their own, rebuilt only when pyproject.toml changes:
# install the project once with empty packages (pulling every dependency), then
# reinstall it without dependencies once the real source is copied in.
COPY pyproject.toml README.md* ./
RUN for pkg in core storage runner actors loadgen orchestrator; do \
        mkdir -p "$pkg" && touch "$pkg/__init__.py"; \
    done \
    && pip install . \
    && rm -rf core storage runner actors loadgen orchestrator build ./*.egg-info

COPY core ./core
COPY storage ./storage
COPY runner ./runner
COPY actors ./actors
COPY loadgen ./loadgen
COPY orchestrator ./orchestrator
RUN pip install --no-deps --force-reinstall . \
    && rm -rf build ./*.egg-info

# Nothing here needs root. State lives in PostgreSQL and Redis; the data dir only
# matters if the image is run embedded (no GAUNTLET_DATABASE_URL / GAUNTLET_REDIS_URL).
RUN useradd --create-home --uid 10001 gauntlet \
    && mkdir -p /var/lib/gauntlet \
    && chown gauntlet: /var/lib/gauntlet
ENV GAUNTLET_DATA_DIR=/var/lib/gauntlet
USER gauntlet
WORKDIR /home/gauntlet

EXPOSE 8000
CMD ["gauntlet", "--help"]
