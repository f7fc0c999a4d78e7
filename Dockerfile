# careerbot in a container: `docker compose up -d` (see README, "Deploy").
# The database lives on the /data volume; the process runs as an unprivileged user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /src
# The pinned, hash-checked dependencies first: this layer is rebuilt only when the lock
# changes. (The lock's file:// index lines are for the project's offline machines; pip
# warns that they are missing and uses PyPI.)
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

# The bot itself, installed as a package (quizzes and migrations inside it).
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY quizzes ./quizzes
COPY migrations ./migrations
# The lock also pins the development tools (one lock for CI and the image): they go,
# setuptools stays (it built the package, and the base image has it anyway).
RUN pip install --no-deps --no-build-isolation . \
    && pip uninstall --yes pytest pytest-asyncio pytest-timeout ruff mypy hypothesis types-PyYAML \
    && cd / && rm -rf /src \
    && careerbot quiz check

RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin careerbot \
    && mkdir /data && chown careerbot:careerbot /data && chmod 700 /data

ENV DATABASE_PATH=/data/bot.sqlite3 \
    WEBHOOK_HOST=0.0.0.0 \
    WEBHOOK_PORT=8080
VOLUME ["/data"]
WORKDIR /data
USER careerbot
EXPOSE 8080

# Polling: the database opens and answers. Webhook: the bot's own /healthz answers 200.
HEALTHCHECK --interval=30s --timeout=15s --start-period=60s --retries=3 \
    CMD ["careerbot", "health"]
# SIGTERM lets updates in flight finish; compose.yaml waits long enough (stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["careerbot"]
CMD ["run"]
