# Rota: `rota serve` by default; `rota worker`, `rota db upgrade`, `rota load FILE...` by
# passing the command (the entry point is `rota`). See docs/operations.md.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY rotation ./rotation
COPY api ./api
RUN python -m venv /opt/rota && /opt/rota/bin/pip install .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/rota --create-home rota
COPY --from=build /opt/rota /opt/rota
COPY samples /opt/rota/samples
ENV PATH="/opt/rota/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    ROTA_DATABASE_URL="sqlite:////var/lib/rota/rota.db" \
    ROTA_LOG_FORMAT="json"
USER rota
WORKDIR /var/lib/rota
VOLUME ["/var/lib/rota"]
EXPOSE 8000
# Liveness: the process answers. Load balancers should ask /readyz instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["rota"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
