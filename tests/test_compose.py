"""docker-compose.yml and the Dockerfile describe the production stack the docs promise."""

from __future__ import annotations

import json
import re
import runpy
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"
NGINX_CONFIG = ROOT / "deploy" / "nginx.conf"
APP_SERVICES = ("migrate", "web", "worker", "beat")
GEVENT_WORKER = "geventwebsocket.gunicorn.workers.GeventWebSocketWorker"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    yaml = pytest.importorskip(
        "yaml", reason="PyYAML is not installed in this environment; the compose file is unchecked"
    )
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def command_of(service: dict[str, Any]) -> list[str]:
    """Return a service's command as a list, whether written as a string or a list."""
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def runs_beat(service: dict[str, Any]) -> bool:
    command = command_of(service)
    embedded_beat = {"-B", "--beat"} & set(command)
    return bool(embedded_beat) or command[:2] in (["upstander", "beat"], ["celery", "beat"])


def gunicorn_settings() -> dict[str, Any]:
    """Return the settings gunicorn.conf.py defines, as gunicorn reads them."""
    return runpy.run_path(str(GUNICORN_CONFIG))


def test_the_stack_has_every_service(services: dict[str, dict[str, Any]]) -> None:
    expected = {"postgres", "redis", "migrate", "web", "proxy", "worker", "beat", "mailpit"}
    assert expected <= set(services), f"missing: {sorted(expected - set(services))}"


def test_app_services_share_the_anchor_block(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    shared = compose["x-app"]
    for name in APP_SERVICES:
        service = services[name]
        for key in ("build", "image", "environment", "env_file"):
            assert service[key] == shared[key], f"{name}.{key} differs from x-app"


def test_app_services_point_at_the_stack_services(compose: dict[str, Any]) -> None:
    environment = compose["x-app"]["environment"]
    assert re.fullmatch(
        r"postgresql://upstander:[^@]+@postgres:5432/upstander", environment["DATABASE_URL"]
    )
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert environment["SMTP_HOST"] == "mailpit"
    assert str(environment["SMTP_PORT"]) == "1025"
    assert environment["UPSTANDER_ENV"] == "production"


def test_app_services_wait_for_healthy_database_and_redis_and_the_migrations(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in ("web", "worker", "beat"):
        depends_on = services[name]["depends_on"]
        assert depends_on["postgres"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "migrate" not in services["migrate"]["depends_on"]
    for name in ("postgres", "redis", "web"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_each_app_service_runs_its_role(services: dict[str, dict[str, Any]]) -> None:
    assert command_of(services["migrate"]) == ["upstander", "db", "upgrade"]
    assert command_of(services["worker"])[:2] == ["upstander", "worker"]
    assert command_of(services["beat"])[:2] == ["upstander", "beat"]
    web = command_of(services["web"])
    assert web[0] == "gunicorn" and web[-1] == "network:create_app()"
    assert web[web.index("--config") + 1] == "gunicorn.conf.py"
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])


def test_the_worker_weighs_less_than_the_web_replicas_on_a_busy_machine(
    services: dict[str, dict[str, Any]],
) -> None:
    # Niceness orders processes only within one cgroup; containers are weighed by their shares.
    assert services["worker"]["cpu_shares"] < services["web"].get("cpu_shares", 1024)
    assert "cpu_shares" not in services["beat"]


def test_gunicorn_runs_the_gevent_websocket_worker_with_room_for_many_clients(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("WEB_CONCURRENCY", "WORKER_CONNECTIONS", "BIND", "ACCESS_LOG", "LOG_LEVEL"):
        monkeypatch.delenv(variable, raising=False)
    settings = gunicorn_settings()
    assert settings["worker_class"] == GEVENT_WORKER
    # Gunicorn's default of 1,000 silently stops a gevent worker accepting more connections.
    assert settings["worker_connections"] >= 2000
    assert settings["workers"] == 1
    assert settings["bind"] == ["0.0.0.0:8000"]
    assert settings["wsgi_app"] == "network:create_app()"


def test_two_web_replicas_run_behind_a_sticky_proxy(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    assert services["web"]["deploy"]["replicas"] == 2
    # Replicas cannot share a host port: only the proxy publishes one, on the loopback.
    assert "ports" not in services["web"]
    proxy = services["proxy"]
    assert str(proxy["image"]).startswith("nginx:")
    assert proxy["ports"] == ["127.0.0.1:8000:80"]
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert proxy.get("healthcheck", {}).get("test")
    mounted = [str(volume).split(":") for volume in proxy["volumes"]]
    assert ["./deploy/nginx.conf", "/etc/nginx/conf.d/default.conf", "ro"] in mounted
    nginx = NGINX_CONFIG.read_text()
    assert re.search(r"^\s*ip_hash;", nginx, flags=re.M), "Socket.IO needs sticky sessions"
    assert re.search(r"server web:8000 resolve;", nginx)
    assert "proxy_set_header Upgrade $http_upgrade;" in nginx
    # The app trusts exactly one proxy: this one, which overwrites the client's address.
    assert compose["x-app"]["environment"]["PROXY_FIX"] == "1"
    assert nginx.count("proxy_set_header X-Forwarded-For $remote_addr;") == nginx.count(
        "proxy_pass "
    )


def test_redis_persists_with_append_only_file(services: dict[str, dict[str, Any]]) -> None:
    command = command_of(services["redis"])
    assert "--appendonly" in command
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--appendfsync") + 1] in {"everysec", "always"}
    assert any(str(volume).endswith(":/data") for volume in services["redis"]["volumes"])


def test_postgres_keeps_its_data_in_a_volume(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    assert str(services["postgres"]["image"]).startswith("postgres:16")
    volumes = [str(volume) for volume in services["postgres"]["volumes"]]
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in volumes)
    assert "postgres-data" in compose["volumes"]


def test_exactly_one_beat_runs(services: dict[str, dict[str, Any]]) -> None:
    schedulers = [name for name, service in services.items() if runs_beat(service)]
    assert schedulers == ["beat"], f"services running beat: {schedulers}"
    replicas = services["beat"].get("deploy", {}).get("replicas", 1)
    assert replicas == 1


def test_images_name_no_registry_host(services: dict[str, dict[str, Any]]) -> None:
    images = [str(service["image"]) for service in services.values() if "image" in service]
    images += re.findall(r"^FROM\s+(\S+)", DOCKERFILE.read_text(), flags=re.M)
    for image in images:
        first = image.split("/")[0]
        has_host = "/" in image and ("." in first or ":" in first or first == "localhost")
        assert not has_host, f"{image} names a registry host"


def test_dockerfile_runs_the_gevent_web_server_as_a_non_root_user() -> None:
    dockerfile = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, flags=re.M)
    assert "pybabel compile" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.M)
    assert users and users[-1] not in {"root", "0"}
    cmd = re.search(r"^CMD\s+(\[.*\])\s*$", dockerfile, flags=re.M)
    assert cmd is not None
    assert json.loads(cmd.group(1)) == [
        "gunicorn",
        "--config",
        "gunicorn.conf.py",
        "network:create_app()",
    ]


def test_docker_compose_accepts_the_file() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed, so `docker compose config` cannot check the file")
    probe = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, timeout=60, check=False
    )
    if probe.returncode != 0:
        pytest.skip("the docker client has no compose plugin: `docker compose config` cannot run")
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
