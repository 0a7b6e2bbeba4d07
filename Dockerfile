FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --create-home --uid 10001 pushdeck
COPY pyproject.toml README.md ./
COPY console ./console
COPY pushes ./pushes
RUN pip install .
COPY manage.py ./
COPY templates ./templates
COPY static ./static
COPY locale ./locale
COPY docker ./docker
RUN python -m console.catalogs \
    && DEBUG=1 python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R pushdeck /app/var

USER pushdeck
EXPOSE 8000
CMD ["docker/web.sh"]
