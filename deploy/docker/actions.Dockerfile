# The action server (offer checker, confidential reports) for the production profile.
#
#   docker build -f deploy/docker/actions.Dockerfile -t REGISTRY/senales-actions:TAG .
#
# The same image also runs the staff tools (`bot purge`, `bot reports deliver`,
# `bot analytics consume`) and the staff console (`python -m bot.console`): they need bot/ and
# the locked packages, nothing more. Written for Docker/BuildKit but not built on the development
# machine (it has no Docker engine); see docs/deployment.md.
FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TF_CPP_MIN_LOG_LEVEL=3 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    PYTHONWARNINGS=ignore \
    SENALES_ENV=production

RUN groupadd --system --gid 10001 senales \
 && useradd --system --uid 10001 --gid senales --home-dir /app --shell /usr/sbin/nologin senales

WORKDIR /app

COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY actions/ actions/
RUN pip install --no-deps .

# var/ is where the offer checker caches its pruned lemma tables and the audit log goes;
# warming the cache here saves every new pod the work.
RUN mkdir -p var && python -c "from bot.offers import default_analyzer; default_analyzer()" \
 && chown -R senales:senales var
USER senales

EXPOSE 5055
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:5055/health', timeout=4).status == 200 else 1)"

CMD ["python", "-m", "rasa_sdk", "--actions", "actions", "--port", "5055"]
