# ReLyfe's image: web (gunicorn), worker and beat from one image, chosen by the command (deploy/docker/entrypoint.sh).
#
# - Two stages: the wheels are installed in a virtual environment in the first, only that environment and the
#   code are copied into the second (no compiler, no pip cache).
# - Everything it needs at run time is inside: the face model (face-recognition-models), the OCR models
#   (rapidocr's ONNX files ship in its wheel), the Heart-Code card's fonts (sharing/fonts), the static files
#   (collected here). Nothing is downloaded at start; `import-check` below loads the models at build time.
# - It runs as the unprivileged user relyfe (uid 10001) on a read-only root file system: what it writes goes
#   to /tmp (a tmpfs) and /var/lib/relyfe (a volume: beat's schedule, files when STORAGE=local).
#
# Build: docker build -t relyfe .   Run: docker compose up (compose.yaml, README "Docker").

# Debian 13: its postgresql-client (17) matches compose.yaml's PostgreSQL, for deploy/backup.py.
ARG PYTHON_IMAGE=python:3.11-slim-trixie

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# Every runtime dependency has a manylinux wheel (dlib-bin is dlib prebuilt): no compiler is needed.
RUN /opt/venv/bin/pip install --only-binary=:all: -r /tmp/requirements.txt

FROM ${PYTHON_IMAGE} AS runtime
# libgomp: onnxruntime's and dlib's threads; postgresql-client: pg_dump and pg_restore for deploy/backup.py.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 relyfe \
    && useradd --system --uid 10001 --gid relyfe --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin relyfe \
    && install -d -o relyfe -g relyfe -m 0750 /var/lib/relyfe
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=root:root . /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=relyfe.settings \
    VAR_DIR=/var/lib/relyfe \
    STATIC_ROOT=/app/staticfiles \
    HOME=/tmp \
    XDG_CACHE_HOME=/tmp/cache \
    LOG_FORMAT=json \
    GUNICORN_BIND=0.0.0.0:8000 \
    GUNICORN_WORKER_TMP_DIR=/dev/shm
# Static files collected once, compressed and fingerprinted for whitenoise; the code compiled once (the root
# file system is read-only at run time, where Python could write no .pyc); the models loaded once, so that a
# missing one fails the build rather than the first prescription read.
RUN DEBUG=False SECRET_KEY=build-only-never-used VAR_DIR=/tmp/build-var \
        python manage.py collectstatic --noinput --verbosity 0 \
    && python -m compileall -q /app /opt/venv \
    && DEBUG=False SECRET_KEY=build-only-never-used VAR_DIR=/tmp/build-var \
        python deploy/docker/import_check.py \
    && rm -rf /tmp/build-var
USER relyfe:relyfe
EXPOSE 8000
ENTRYPOINT ["/app/deploy/docker/entrypoint.sh"]
CMD ["web"]
