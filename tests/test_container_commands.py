"""The container's start-up, without a container engine: the Dockerfile's ENTRYPOINT + CMD and
HEALTHCHECK, and compose.yaml's commands (migrate, two replicas, the worker, its health check)
run as written, from this venv, against a SQLite file and the test PostgreSQL server.

Only the addresses change: paths inside the image become temporary ones, the published ports
free ones, and compose's `postgres` host the test server.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.conftest import POSTGRES_URL
from tests.reminder_parts import free_port

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent


def dockerfile() -> dict[str, Any]:
    """The final stage's ENV, USER, ENTRYPOINT, CMD and HEALTHCHECK command."""
    source = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    final = source.split("\nFROM ")[-1]
    found: dict[str, Any] = {"from": final.split()[0], "env": {}}
    for line in final.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                found["env"][name] = value
        elif word in ("USER", "ENTRYPOINT", "CMD"):
            found[word.lower()] = json.loads(rest) if rest.startswith("[") else rest
        elif word == "HEALTHCHECK":
            found["healthcheck"] = json.loads(rest[rest.index("CMD") + 3 :])
    return found


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def interpolate(value: str) -> str:
    """compose's `${NAME:-default}`, from an environment that sets none of them."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def local(command: list[str], ports: dict[str, str]) -> list[str]:
    """`command` as run here: `rota`/`python` from this venv, ports moved."""
    moved = []
    for part in command:
        for inside, here in ports.items():
            part = part.replace(inside, here)
        moved.append(part)
    head = {"rota": str(BIN / "rota"), "python": sys.executable}.get(moved[0], moved[0])
    return [head, *moved[1:]]


@contextmanager
def running(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        assert "Traceback" not in output, output


def until_ok(check: list[str], env: dict[str, str], process: subprocess.Popen[str]) -> None:
    """Run a health check until it passes, as the engine would, or fail if the server died."""
    for _ in range(120):
        assert process.poll() is None, process.communicate()[0]
        if subprocess.run(check, env=env, capture_output=True).returncode == 0:
            return
        time.sleep(0.5)
    pytest.fail(f"{check} never passed")


def test_the_image_runs_rota_as_a_user_with_a_health_check() -> None:
    image = dockerfile()
    assert image["from"].startswith("python:3.11-slim")
    assert image["user"] not in ("", "root", "0")
    assert image["entrypoint"] == ["rota"]
    assert image["cmd"][0] == "serve"
    assert "/healthz" in " ".join(image["healthcheck"])


def test_the_image_command_serves_and_passes_its_health_check(tmp_path: Path) -> None:
    image = dockerfile()
    port = str(free_port())
    env = {
        **os.environ,
        **image["env"],
        "PATH": f"{BIN}:{os.environ['PATH']}",
        # The image's volume, /var/lib/rota, here:
        "ROTA_DATABASE_URL": image["env"]["ROTA_DATABASE_URL"].replace(
            "/var/lib/rota", str(tmp_path)
        ),
    }
    ports = {"8000": port}
    with running(local(image["entrypoint"] + image["cmd"], ports), env) as server:
        until_ok(local(image["healthcheck"], ports), env, server)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as answer:
            assert json.load(answer)["status"] == "ready"
    assert (tmp_path / "rota.db").exists()


@pytest.fixture
def compose_database() -> Iterator[str]:
    """An empty database on the test server, in the place of compose's `postgres` service."""
    server = make_url(POSTGRES_URL)
    name = f"rota_compose_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"POSTGRESQL NOT REACHABLE at {POSTGRES_URL}: {exc.orig}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection, suppress(OperationalError):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_compose_services_start_on_postgresql(compose_database: str) -> None:
    services = compose()["services"]
    assert {"postgres", "migrate", "api-1", "api-2", "worker"} <= set(services)
    assert services["postgres"]["image"].split("/")[-1].startswith("postgres:")
    target = make_url(compose_database)

    def env_of(service: dict[str, Any]) -> dict[str, str]:
        env = {k: interpolate(str(v)) for k, v in service["environment"].items()}
        url = make_url(env["ROTA_DATABASE_URL"])
        assert url.host == "postgres"
        env["ROTA_DATABASE_URL"] = (
            url.set(host=target.host, port=target.port, database=target.database)
            .set(username=target.username, password=target.password)
            .render_as_string(hide_password=False)
        )
        return {**os.environ, **env, "ROTA_SOLVER_SECONDS": "1", "ROTA_SOLVER_WORKERS": "1"}

    migrate = services["migrate"]
    done = subprocess.run(
        local(["rota", *migrate["command"]], {}), env=env_of(migrate), capture_output=True
    )
    assert done.returncode == 0, done.stderr
    loaded = subprocess.run(
        local(["rota", "load", str(ROOT / "samples" / "payments.toml")], {}),
        env=env_of(migrate),
        capture_output=True,
    )
    assert loaded.returncode == 0, loaded.stderr

    api_ports = {name: str(free_port()) for name in ("api-1", "api-2")}
    metrics_port = str(free_port())
    worker = services["worker"]
    with (
        running(
            local(["rota", *services["api-1"]["command"]], {"8000": api_ports["api-1"]}),
            env_of(services["api-1"]),
        ) as one,
        running(
            local(["rota", *services["api-2"]["command"]], {"8000": api_ports["api-2"]}),
            env_of(services["api-2"]),
        ) as two,
        running(
            local(["rota", *worker["command"]], {"9100": metrics_port}), env_of(worker)
        ) as reminders,
    ):
        for name, process in (("api-1", one), ("api-2", two)):
            url = f"http://127.0.0.1:{api_ports[name]}"
            until_ok(
                [sys.executable, "-c", f"import urllib.request as u; u.urlopen('{url}/readyz')"],
                dict(os.environ),
                process,
            )
            with urllib.request.urlopen(f"{url}/readyz", timeout=10) as answer:
                checks = json.load(answer)["checks"]
            assert checks["reminder_loop"]["detail"] == "not run by this process"
        until_ok(
            local(worker["healthcheck"]["test"][1:], {"9100": metrics_port}),
            dict(os.environ),
            reminders,
        )
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics") as answer:
            assert 'rota_plan_days_left{team="payments"}' in answer.read().decode()
