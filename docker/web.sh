#!/bin/sh
# Web container: apply migrations, then serve with gunicorn.
set -e
python manage.py migrate --noinput
exec gunicorn console.wsgi --bind 0.0.0.0:8000 --workers "${WEB_WORKERS:-3}" --threads 4 \
  --timeout 120 --access-logfile -
