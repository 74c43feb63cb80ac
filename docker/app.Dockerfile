# The app image: `hotline serve`, `hotline ami run` and `hotline simulate` all run from it.
# Build from the repository root: docker build -f docker/app.Dockerfile .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 10001 hotline
COPY . /app
# Editable: the web finds its files beside the code (web.config.REPO, e.g. node_modules/echarts).
RUN pip install -e /app && chown -R hotline /app
USER hotline

EXPOSE 8000
CMD ["hotline", "serve"]
