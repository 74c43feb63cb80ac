"""The compose deployment (docker/) checked where no Docker engine runs: its YAML, the app image's
Dockerfile and build context, against the settings, routes and vendored files of the code."""

import configparser
import itertools
import json
import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic_settings import BaseSettings, EnvSettingsSource

from classifier.settings import ClassifierSettings
from hotline.config import Settings
from hotline.db import make_engine
from telephony.config import AmiSettings
from tests.web.conftest import make_app
from web.config import WebSettings
from web.vendor import VENDOR

REPO = Path(__file__).resolve().parent.parent
DOCKER = REPO / "docker"
COMPOSE = DOCKER / "compose.yaml"
DOCKERFILE = DOCKER / "app.Dockerfile"
SETTINGS: tuple[type[BaseSettings], ...] = (Settings, WebSettings, AmiSettings)
DEFAULT = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")  # ${VAR}, ${VAR:-default}, ${VAR-default}
LICENCE = re.compile(r"(?:LICENSE|NOTICE|\.LICENSE\.txt)\Z")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def service(name: str) -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"][name]
    return found


def environment(name: str) -> dict[str, str]:
    """A service's environment as a container gets it with no docker/.env: every ${VAR:-x} is x."""
    env = service(name).get("environment", {})
    assert isinstance(env, dict), f"{name}: write environment as a mapping"
    return {key: DEFAULT.sub(lambda m: m.group(2) or "", str(value)) for key, value in env.items()}


def command(name: str) -> str:
    found = service(name)["command"]
    return found if isinstance(found, str) else shlex.join(found)


def asterisk_conf(name: str) -> configparser.ConfigParser:
    # Asterisk repeats keys (permit = ...) and comments with ';'.
    parser = configparser.ConfigParser(strict=False, inline_comment_prefixes=(";",), interpolation=None)
    parser.read_string((DOCKER / "asterisk" / name).read_text(encoding="utf-8"))
    return parser


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of docker/app.Dockerfile, continuation lines joined."""
    lines = [
        line
        for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    ]
    logical = re.sub(r"\\\n", " ", "\n".join(lines))
    found = []
    for line in logical.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), " ".join(rest.split())))
    return found


def stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's build stages in order, each from its FROM."""
    instructions = dockerfile()
    starts = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    return [instructions[begin:end] for begin, end in itertools.pairwise([*starts, len(instructions)])]


def stage(name: str) -> list[tuple[str, str]]:
    found = [each for each in stages() if each[0][1].endswith(f" AS {name}")]
    assert len(found) == 1, f"one build stage named {name} in {DOCKERFILE.name}"
    return found[0]


def test_every_service_has_a_pinned_image_or_a_build_and_the_app_image_is_built_here() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "asterisk", "app", "ami"} <= set(services)
    for name, spec in services.items():
        assert "image" in spec or "build" in spec, name
        if "build" not in spec and spec["image"] != service("app")["image"]:
            assert re.fullmatch(r"[\w./-]+:[\w.-]+", spec["image"]), f"{name}: pin a tag, not latest"
            assert not spec["image"].endswith(":latest"), name
    build = service("app")["build"]
    assert (COMPOSE.parent / build["context"]).resolve() == REPO
    assert (REPO / build["dockerfile"]).resolve() == DOCKERFILE
    # ami and simulate run the image the app service builds (compose builds it before them).
    for name in ("ami", "simulate"):
        assert services[name]["image"] == service("app")["image"], name


def test_the_app_migrates_seeds_and_serves_with_call_control_over_ami() -> None:
    run = command("app")
    steps = [run.find(step) for step in ("hotline db upgrade", "hotline seed", "exec hotline serve")]
    assert -1 not in steps and steps == sorted(steps), run
    assert run.count("&&") == 2, "a failed migration or seed must not start the server"
    env = environment("app")
    assert env["HOTLINE_WEB_CALL_CONTROL"] == "ami"
    assert env["HOTLINE_AMI_HOST"] == "asterisk" and "asterisk" in compose()["services"]
    assert env["HOTLINE_AMI_EVENTS"] == "false", "the app's AMI session only sends actions"
    assert env["HOTLINE_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in env["HOTLINE_DATABASE_URL"]
    assert env["HOTLINE_REDIS_URL"].startswith("redis://redis:6379/")
    depends = service("app")["depends_on"]
    for needed in ("postgres", "redis", "asterisk"):
        assert depends[needed] == {"condition": "service_healthy"}, needed
        assert service(needed)["healthcheck"]["test"], needed


def test_retrained_models_live_on_a_named_volume_the_app_user_owns() -> None:
    """A promoted model must survive `docker compose up --build`; the store is relative to /app."""
    env = environment("app")
    store = Path(env.get("HOTLINE_CLASSIFIER_STORE_DIR", str(ClassifierSettings().store_dir)))
    target = store if store.is_absolute() else Path("/app") / store
    mounts = {m.split(":")[1]: m.split(":")[0] for m in service("app")["volumes"]}
    assert mounts.get(str(target)) in compose()["volumes"], (target, mounts)
    # A named volume takes its owner from the image's directory: made for the unprivileged user.
    assert re.search(rf"install -d -o hotline [^\n]*{re.escape(str(target))}", DOCKERFILE.read_text())


def test_the_bridge_is_the_one_event_session_and_starts_after_the_schema() -> None:
    assert service("ami")["command"] == ["hotline", "ami", "run"]
    assert environment("ami").get("HOTLINE_AMI_EVENTS", "true") != "false"
    depends = service("ami")["depends_on"]
    assert depends["app"] == {"condition": "service_healthy"}  # migrated by then
    assert depends["asterisk"] == {"condition": "service_healthy"}
    assert service("simulate")["profiles"] == ["sim"]  # demo calls only when asked for


def test_every_asterisk_config_file_is_mounted_read_only() -> None:
    confs = sorted(path.name for path in (DOCKER / "asterisk").glob("*.conf"))
    assert confs
    mounted = {}
    for volume in service("asterisk")["volumes"]:
        source, target, *mode = volume.split(":")
        assert (COMPOSE.parent / source).is_file(), volume
        mounted[Path(source).name] = (target, mode)
    for name in confs:
        assert mounted.get(name) == (f"/etc/asterisk/{name}", ["ro"]), name


def test_the_ami_login_the_services_use_is_the_one_manager_conf_allows() -> None:
    manager = asterisk_conf("manager.conf")
    example = dict(
        line.split("=", 1) for line in (DOCKER / "env.example").read_text().splitlines() if "=" in line
    )
    for name in ("app", "ami", "simulate"):
        env = environment(name)
        user = env["HOTLINE_AMI_USERNAME"]
        assert manager.has_section(user), f"{name}: no [{user}] in manager.conf"
        assert env["HOTLINE_AMI_SECRET"] == manager[user]["secret"], name
        assert int(env["HOTLINE_AMI_PORT"]) == manager.getint("general", "port"), name
    # docker/.env made from env.example keeps the services and manager.conf in agreement.
    assert example["AMI_SECRET"] == manager["hotline"]["secret"]


def test_every_variable_compose_reads_is_in_env_example() -> None:
    used = set(DEFAULT.findall(COMPOSE.read_text(encoding="utf-8")))
    names = {name for name, _ in used}
    documented = {
        line.split("=", 1)[0]
        for line in (DOCKER / "env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert names == documented


def _recognised_by(name: str, value: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The settings classes that read the environment variable ``name`` (their own reading)."""
    with monkeypatch.context() as env:
        env.setenv(name, value)
        return [cls.__name__ for cls in SETTINGS if EnvSettingsSource(cls)()]


@pytest.mark.parametrize("name", ["app", "ami", "simulate"])
def test_every_hotline_variable_is_a_real_setting_with_a_valid_value(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The classes are read now, so a setting added to the code (HOTLINE_WEB_CALL_CONTROL with the
    # call-control change) is known here as soon as it exists, and a typo is not.
    env = {key: value for key, value in environment(name).items() if key.startswith("HOTLINE_")}
    assert env
    for key in list(os.environ):
        if key.startswith("HOTLINE_"):
            monkeypatch.delenv(key)
    unknown = [key for key, value in env.items() if not _recognised_by(key, value, monkeypatch)]
    assert unknown == [], f"{name}: no settings field reads {unknown}"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for cls in SETTINGS:
        cls(_env_file=None)  # raises on a value the field refuses


def test_the_published_ports_and_the_healthcheck_reach_the_app(tmp_path: Path) -> None:
    app = service("app")
    port = environment("app")["HOTLINE_WEB_PORT"]
    assert f"{port}:{port}" in app["ports"]
    assert environment("app")["HOTLINE_WEB_HOST"] == "0.0.0.0"  # noqa: S104  (inside the container)
    probe = " ".join(app["healthcheck"]["test"])
    url = re.search(r"http://127\.0\.0\.1:(\d+)(/\w+)", probe)
    assert url is not None and url.group(1) == port, probe
    engine = make_engine(f"sqlite:///{tmp_path / 'health.db'}")
    try:
        response = TestClient(make_app(engine)).get(url.group(2))
    finally:
        engine.dispose()
    assert response.status_code == 200 and response.json()["status"] == "ok"
    # SIP for test calls is published; AMI (5038) stays inside the compose network.
    assert "5060:5060/udp" in service("asterisk")["ports"]
    assert not any(
        "5038" in str(published)
        for spec in compose()["services"].values()
        for published in spec.get("ports", [])
    )


def test_the_image_installs_the_vendored_files_from_the_lock_file_where_the_web_looks() -> None:
    assets = stage("assets")
    assert assets[0][1].startswith("node:20-slim")
    copied_lock = [i for i, (k, a) in enumerate(assets) if k == "COPY" and "package-lock.json" in a]
    npm = [i for i, (k, a) in enumerate(assets) if k == "RUN" and "npm ci" in a]
    assert copied_lock and npm and copied_lock[0] < npm[0]
    assert "--omit=dev" in assets[npm[0]][1]
    cp = next(a for k, a in assets if k == "RUN" and "cp --parents" in a)
    listed = cp.split("cp --parents", 1)[1].split()
    assert listed[-1] == "/vendor/"
    files = set(listed[:-1])
    served = {found.path for found in VENDOR.values()}
    assert served <= files, f"not copied into the image: {served - files}"
    for extra in files - served:
        assert LICENCE.search(extra) and extra.split("/")[0] in {p.split("/")[0] for p in served}, extra
    # Each vendored package is a runtime dependency of package.json, and each dependency is served.
    package = json.loads((REPO / "package.json").read_text())
    assert set(package["dependencies"]) == {found.package for found in VENDOR.values()}
    assert not package.get("devDependencies")
    final = stages()[-1]
    dest = next(a.split()[-1] for k, a in final if k == "COPY" and a.startswith("--from=assets /vendor "))
    env = " ".join(a for k, a in final if k == "ENV")
    assert f"HOTLINE_WEB_NODE_MODULES={dest}" in env.split(), env
    assert ("USER", "hotline") in final and final[-1] == ("CMD", '["hotline", "serve"]')


def _excluder(lines: list[str]) -> list[tuple[bool, re.Pattern[str]]]:
    """.dockerignore rules as (re-included, pattern), Docker's glob: ** any depth, * one name."""
    rules = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        glob = line.lstrip("!").strip("/")
        regex = re.escape(glob).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        rules.append((negated, re.compile(regex + r"\Z")))
    return rules


def _sent(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether the build context holds ``path``: the last rule matching it or a parent decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    sent = True
    for negated, pattern in rules:
        if any(pattern.match(prefix) for prefix in prefixes):
            sent = negated
    return sent


def test_the_build_context_holds_the_packages_and_nothing_of_a_developer_checkout() -> None:
    rules = _excluder((DOCKER / "app.Dockerfile.dockerignore").read_text().splitlines())
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = [name.rstrip("*") for name in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    needed = ["pyproject.toml", project["project"]["readme"], "package.json", "package-lock.json"]
    for package in packages:
        needed += [
            str(path.relative_to(REPO))
            for path in (REPO / package).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
        ]
    assert len(needed) > 50
    assert [path for path in needed if not _sent(path, rules)] == []
    for path in [
        ".venv/bin/python",
        "node_modules/echarts/dist/echarts.min.js",
        "var/hotline.db",
        ".git/HEAD",
        ".env",
        "docker/.env",
        "tests/telephony/test_replay.py",
        "bench/web_bench.py",
        "hotline/__pycache__/config.cpython-311.pyc",
        "build/lib/hotline/config.py",
        "hotline12345.egg-info/PKG-INFO",
    ]:
        assert not _sent(path, rules), path


def test_docker_compose_accepts_the_file() -> None:
    try:
        version = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        pytest.skip("no docker client on this machine")
    if version.returncode != 0:
        said = (version.stderr or version.stdout).strip().splitlines()[:1]
        pytest.skip(f"no docker compose plugin: {' '.join(said) or version.returncode}")
    checked = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert checked.returncode == 0, checked.stderr
