#!/bin/sh
# The image's one entry point: `web`, `worker`, `beat` or `migrate` (compose.yaml runs each as its own service),
# or any other command as it is (`docker compose run --rm web python manage.py createsuperuser`).
set -eu
cd /app

case "${1:-web}" in
  web)
    exec gunicorn -c deploy/gunicorn.conf.py relyfe.wsgi
    ;;
  worker)
    # REMAP_SIGTERM: `docker stop` gives running tasks CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT, then hands them
    # back to the broker (README, "Production").
    export REMAP_SIGTERM=SIGQUIT
    exec celery -A relyfe worker --loglevel=INFO --without-mingle --without-gossip \
      --hostname "worker@${HOSTNAME:-relyfe}"
    ;;
  beat)
    exec celery -A relyfe beat --loglevel=INFO
    ;;
  migrate)
    # Once per deployment, before web, worker and beat start (compose: service_completed_successfully).
    python manage.py migrate --noinput
    if [ "${STORAGE:-local}" = "s3" ] && [ "${CREATE_BUCKET:-0}" = "1" ]; then
      python deploy/docker/bucket.py
    fi
    if [ "${DEMO_DATA:-0}" = "1" ]; then
      # The demo command refuses to run with DEBUG off: it is turned on for this one command only.
      DEBUG=True python manage.py demo
    fi
    ;;
  *)
    exec "$@"
    ;;
esac
