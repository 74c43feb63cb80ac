# The app image: `hotline serve`, `hotline ami run` and `hotline simulate` all run from it.
# Build from the repository root: docker build -f docker/app.Dockerfile .

# The pages' browser files (ECharts, Swagger UI, ReDoc) from the npm lock file. Only the files
# web/vendor.py serves (its VENDOR allow-list) and the packages' licences go into the image, not
# the 160 MB of node_modules; cp fails the build when a package no longer ships one of them.
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
# Every package is a runtime one (no devDependencies); no install scripts: only files are taken.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
RUN mkdir /vendor && cd node_modules && cp --parents \
      echarts/dist/echarts.min.js \
      swagger-ui-dist/swagger-ui-bundle.js \
      swagger-ui-dist/swagger-ui.css \
      swagger-ui-dist/favicon-32x32.png \
      redoc/bundles/redoc.standalone.js \
      echarts/LICENSE \
      echarts/NOTICE \
      swagger-ui-dist/LICENSE \
      swagger-ui-dist/NOTICE \
      swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt \
      redoc/LICENSE \
      redoc/bundles/redoc.standalone.js.LICENSE.txt \
      /vendor/

# The project installed (not editable) into a venv, so the final image holds no source tree.
FROM python:3.11-slim AS venv
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/hotline
# The dependencies first, read from pyproject.toml alone, so that a change to the code reinstalls
# only the project itself.
COPY pyproject.toml /src/
RUN python -c "import tomllib; print(*tomllib.load(open('/src/pyproject.toml', 'rb'))['project']['dependencies'], sep='\\n')" \
        > /tmp/requirements.txt \
    && /opt/hotline/bin/pip install -r /tmp/requirements.txt
COPY . /src
RUN /opt/hotline/bin/pip install /src

FROM python:3.11-slim
# tzdata: the core's ZoneInfo("Asia/Shanghai"); Debian 13 slim bases do not carry it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 hotline \
    && install -d -o hotline /app /app/var/models
COPY --from=venv /opt/hotline /opt/hotline
COPY --from=assets /vendor /app/node_modules
ENV PATH=/opt/hotline/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOTLINE_WEB_NODE_MODULES=/app/node_modules
WORKDIR /app
USER hotline

EXPOSE 8000
CMD ["hotline", "serve"]
