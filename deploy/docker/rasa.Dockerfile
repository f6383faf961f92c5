# The Rasa server (channels, NLU, dialogue) for the production profile.
#
#   make train                                   # builds models/senales.tar.gz first
#   docker build -f deploy/docker/rasa.Dockerfile -t REGISTRY/senales-rasa:TAG .
#
# Written for Docker/BuildKit but not built on the development machine (it has no Docker engine);
# see docs/deployment.md. Configuration comes only from the environment (endpoints.production.yml
# expands ${SENALES_*}); no secret is baked into the image.
FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=3 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    PYTHONWARNINGS=ignore \
    SENALES_ENV=production

RUN groupadd --system --gid 10001 senales \
 && useradd --system --uid 10001 --gid senales --home-dir /app --shell /usr/sbin/nologin senales

WORKDIR /app

# The locked package set first: this layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install -r requirements.lock

# Our package (bot/, actions/) without re-resolving dependencies; README.md is the package's readme.
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY actions/ actions/
RUN pip install --no-deps .

# What `rasa run` reads, and the trained model (`make train` before `docker build`).
COPY domain.yml config.yml endpoints.production.yml credentials.yml ./
COPY models/senales.tar.gz models/senales.tar.gz

# var/ holds the only files written at run time (caches); everything else stays root-owned.
RUN mkdir -p var && chown senales:senales var
USER senales

EXPOSE 5005
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:5005/status', timeout=4).status == 200 else 1)"

CMD ["python", "-m", "rasa", "run", "--model", "models/senales.tar.gz", \
     "--endpoints", "endpoints.production.yml", "--credentials", "credentials.yml", \
     "--port", "5005", "--enable-api", "--interface", "0.0.0.0"]
