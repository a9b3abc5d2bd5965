"""The container files, checked without a container engine (none can build or run an image on the development
machines or in CI; see the README's "Deploy"): the Dockerfiles parsed with dockerfile-parse, compose.yaml with
PyYAML, and the files the image copies run as the app on their own."""
import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from qr.config import load_settings
from tests.conftest import ROOT

APP_DOCKERFILE = ROOT / "Dockerfile"
PROXY_DOCKERFILE = ROOT / "deploy" / "nginx" / "Dockerfile"
# Tracked top-level entries the running app never reads; everything else must be copied into the image.
NOT_AT_RUN_TIME = {".ci", ".dockerignore", ".gitignore", "Dockerfile", "README.md", "bench", "compose.yaml", "data",
                   "deploy", "docs", "pytest.ini", "requirements-dev.txt", "scripts", "tests"}


def instructions(path: Path) -> list[dict]:
    return [i for i in DockerfileParser(str(path)).structure if i["instruction"] != "COMMENT"]


def values(path: Path, instruction: str) -> list[str]:
    return [i["value"] for i in instructions(path) if i["instruction"] == instruction]


def copied(path: Path) -> list[str]:
    """The sources of the file's COPY instructions (the last word of each is the destination)."""
    return [source.rstrip("/") for value in values(path, "COPY") for source in shlex.split(value)[:-1]]


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.mark.parametrize("dockerfile, base", [
    (APP_DOCKERFILE, "python:3.11-slim-bookworm"),     # Debian 12 with the Python the app is tested on
    (PROXY_DOCKERFILE, "debian:bookworm-slim"),         # Debian's nginx, the one the proxy test runs
])
def test_images_start_from_a_pinned_debian_base(dockerfile, base):
    assert values(dockerfile, "FROM") == [base]


def test_every_image_has_a_tag_and_none_is_latest():
    images = [*values(APP_DOCKERFILE, "FROM"), *values(PROXY_DOCKERFILE, "FROM"),
              *(s["image"] for s in compose()["services"].values() if "image" in s)]
    assert images and all(":" in image and not image.endswith(":latest") for image in images), images


def test_packages_are_installed_at_build_time_from_pinned_requirements():
    runs = values(APP_DOCKERFILE, "RUN")
    pip = [run for run in runs if "pip install" in run]
    assert pip == ["pip install --no-cache-dir -r requirements.txt"]
    assert all("--no-install-recommends" in run and "rm -rf /var/lib/apt/lists/*" in run
               for run in runs if "apt-get install" in run)
    requirements = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.strip()]
    assert requirements and all("==" in line for line in requirements), requirements


@pytest.mark.parametrize("instruction", ["CMD", "ENTRYPOINT", "HEALTHCHECK"])
def test_nothing_is_fetched_when_the_container_runs(instruction):
    for dockerfile in (APP_DOCKERFILE, PROXY_DOCKERFILE):
        for value in values(dockerfile, instruction):
            assert not any(word in value for word in ("pip ", "apt-get", "curl", "wget", "https://")), value
            assert "http://" not in value or "http://127.0.0.1:" in value, value
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert "gatherUsageStats = false" in config         # Streamlit's usage statistics would call out


def test_the_app_runs_as_a_user_and_has_a_healthcheck():
    users = values(APP_DOCKERFILE, "USER")
    assert users and users[-1] not in ("root", "0")
    assert instructions(APP_DOCKERFILE)[-1]["instruction"] == "CMD"
    assert json.loads(values(APP_DOCKERFILE, "CMD")[0])[:5] == ["python", "-m", "streamlit", "run", "board.py"]
    (healthcheck,) = values(APP_DOCKERFILE, "HEALTHCHECK")
    assert "http://127.0.0.1:8501/healthz" in healthcheck
    assert values(PROXY_DOCKERFILE, "HEALTHCHECK")


def test_every_file_the_app_reads_is_copied_and_not_ignored():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    top_level = {line.split("/")[0] for line in tracked.splitlines()}
    sources = copied(APP_DOCKERFILE)
    assert top_level - NOT_AT_RUN_TIME - {source.split("/")[0] for source in sources} == set(), \
        "copy it in the Dockerfile, or say in NOT_AT_RUN_TIME why the app never reads it"
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()]
    assert [(s, p) for s in sources for p in ignored if fnmatch.fnmatch(s, p) or s.startswith(p + "/")] == []


def test_the_copied_files_alone_migrate_a_database_and_load_the_app(tmp_path):
    """What the image holds, run from a folder of only those files: the schema comes up, the entry imports."""
    app = tmp_path / "app"
    app.mkdir()
    for source in copied(APP_DOCKERFILE):
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, app / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (app / source).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / source, app / source)
    (app / "data").mkdir()                                  # the Dockerfile's mkdir
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL")}
    env.update(QR_DEMO="0", PYTHONDONTWRITEBYTECODE="1")
    init = subprocess.run([sys.executable, "-m", "qr", "init-db"], cwd=app, env=env, capture_output=True, text=True,
                          timeout=120)
    assert init.returncode == 0, init.stderr
    assert (app / "data" / "board.db").stat().st_size > 0   # the default database, inside the copied tree
    entry = subprocess.run([sys.executable, "-c", "import board, qr; print(board.app is not None, qr.__file__)"],
                           cwd=app, env=env, capture_output=True, text=True, timeout=120)
    assert entry.returncode == 0, entry.stderr
    assert entry.stdout.split() == ["True", str(app / "qr" / "__init__.py")]   # the copy, not the repository


def test_compose_runs_two_instances_on_one_database_behind_the_proxy():
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "app1", "app2", "proxy", "notifier"}
    app_services = ("migrate", "app1", "app2", "notifier")
    assert all(services[name]["build"] == "." for name in app_services)           # one image: ./Dockerfile
    urls = {services[name]["environment"]["DATABASE_URL"] for name in app_services}
    assert len(urls) == 1 and "@db:5432/" in urls.pop()
    assert services["db"]["healthcheck"]["test"][0] == "CMD-SHELL" and "pg_isready" in \
        services["db"]["healthcheck"]["test"][1]
    assert services["migrate"]["command"] == ["python", "-m", "qr", "init-db"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("app1", "app2", "notifier"):
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert "ports" not in services[name]                  # reached through the proxy only
    assert services["notifier"]["healthcheck"] == {"disable": True}       # it serves no HTTP
    assert services["notifier"]["command"][:4] == ["python", "-m", "qr", "notify"]


def test_compose_database_takes_both_instances_full_pools():
    """Each instance may open its whole pool (QR_DB_POOL_SIZE + QR_DB_MAX_OVERFLOW) when 50 people save at once;
    PostgreSQL's default of 100 connections would refuse the second instance's last ones."""
    command = compose()["services"]["db"]["command"]
    settings = load_settings()
    limit = int(command[command.index("-c") + 1].removeprefix("max_connections="))
    assert limit >= 2 * (settings.db_pool_size + settings.db_max_overflow) + 10   # + notifier, migrations, psql


def test_compose_proxy_is_the_tested_nginx_config_with_the_app_services_as_upstreams():
    proxy = compose()["services"]["proxy"]
    assert proxy["build"] == {"context": ".", "dockerfile": "deploy/nginx/Dockerfile"}
    assert proxy["ports"] == ["${QR_HTTP_PORT:-80}:80"]
    assert set(proxy["depends_on"]) == {"app1", "app2"}
    arguments = dict(value.split("=", 1) for value in values(PROXY_DOCKERFILE, "ARG"))
    assert arguments == {"QR_LISTEN": "80", "QR_APP_1": "app1:8501", "QR_APP_2": "app2:8501"}
    assert "--server.port=8501" in json.loads(values(APP_DOCKERFILE, "CMD")[0])
    assert copied(PROXY_DOCKERFILE) == ["deploy/nginx/qr-board.conf.template"]    # the file the browser test runs
    (render,) = [run for run in values(PROXY_DOCKERFILE, "RUN") if "envsubst" in run]
    assert "envsubst '$QR_LISTEN $QR_APP_1 $QR_APP_2'" in render and "/etc/nginx/conf.d/" in render
