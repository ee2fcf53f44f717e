"""docker-compose.yml, checked statically (there is no Docker engine on the build machines).

It must be valid Compose, and everything it refers to must exist: host paths, the Dockerfile, pinned image
tags matching the locked Airflow version, Airflow options Airflow knows, NEWSETL_* settings the project
reads, and ${VARIABLES} that .env.example provides and docs/operations.md explains.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

PROJECT = Path(__file__).resolve().parent.parent
COMPOSE = PROJECT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT / ".env.example"
OPERATIONS = PROJECT / "docs" / "operations.md"
SCHEMA = PROJECT / "tests" / "schemas" / "compose-spec.json"

# Options of the Celery provider: it ships in the official Airflow image but not in the project's
# environment, so they cannot be looked up in the installed Airflow; docs/operations.md must explain them.
CELERY_PROVIDER_OPTIONS = {"AIRFLOW__CELERY__BROKER_URL", "AIRFLOW__CELERY__RESULT_BACKEND"}
# Variables read by the Airflow image's entrypoint or Compose itself rather than by Airflow's config.
IMAGE_VARIABLES = {"PYTHONPATH", "DUMB_INIT_SETSID", "AIRFLOW_ADMIN_USER", "AIRFLOW_ADMIN_PASSWORD"}
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Z0-9_]+)(:?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    values = {}
    for number, line in enumerate(ENV_EXAMPLE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f".env.example line {number} is not NAME=value: {line!r}"
        values[name.strip()] = value.strip()
    return values


def _services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _validator() -> jsonschema.Draft7Validator:
    # The schema names draft-07 without the trailing '#', which jsonschema does not look up by itself.
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def test_is_valid_against_the_compose_specification(compose) -> None:
    _validator().validate(compose)


def test_the_schema_rejects_a_broken_file(compose) -> None:
    """The validation above can fail: a misspelt service key is caught."""
    broken = json.loads(json.dumps(compose))
    broken["services"]["airflow-scheduler"]["helthcheck"] = {}
    with pytest.raises(jsonschema.ValidationError, match="helthcheck"):
        _validator().validate(broken)


def test_has_the_airflow_components_two_databases_and_a_celery_profile(compose) -> None:
    services = _services(compose)
    for name in ("airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor"):
        assert name in services
    assert "airflow-triggerer" in services
    assert {"airflow-db", "warehouse-db"} <= set(services)
    for name in ("redis", "airflow-worker"):
        assert services[name]["profiles"] == ["celery"]
    default_services = [name for name, svc in services.items() if "profiles" not in svc]
    assert "redis" not in default_services
    common_env = _environment(services["airflow-scheduler"])
    assert common_env["AIRFLOW__CORE__EXECUTOR"] == "${AIRFLOW_EXECUTOR:-LocalExecutor}"
    assert "warehouse-db" in common_env["NEWSETL_WAREHOUSE_URL"]
    assert "airflow-db" in common_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


def test_every_long_running_service_has_a_healthcheck(compose) -> None:
    missing = [
        name
        for name, service in _services(compose).items()
        if name != "airflow-init" and not service.get("healthcheck", {}).get("test")
    ]
    assert missing == []


def test_the_project_is_mounted_and_every_host_path_exists(compose) -> None:
    for name, service in _services(compose).items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume["source"]
            if source.startswith((".", "/")):
                assert (PROJECT / source).exists(), f"{name}: host path {source} does not exist"
    scheduler_mounts = _services(compose)["airflow-scheduler"]["volumes"]
    assert "./:/opt/newsetl" in scheduler_mounts
    assert _environment(_services(compose)["airflow-scheduler"])["AIRFLOW__CORE__DAGS_FOLDER"] == (
        "/opt/newsetl/dags"
    )
    assert (PROJECT / "dags" / "news_ingest.py").is_file()


def test_the_image_is_built_from_a_dockerfile_that_exists(compose) -> None:
    build = _services(compose)["airflow-scheduler"]["build"]
    dockerfile = PROJECT / build["context"] / build["dockerfile"]
    assert dockerfile.is_file(), dockerfile
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            copied = line.split()[1]
            assert (PROJECT / build["context"] / copied).exists(), f"Dockerfile copies missing {copied}"


def test_images_are_pinned_and_airflow_matches_the_lock(compose) -> None:
    lock = (PROJECT / "requirements.lock").read_text(encoding="utf-8")
    airflow_version = re.search(r"^apache-airflow==(\S+)", lock, re.MULTILINE)
    assert airflow_version, "requirements.lock does not pin apache-airflow"
    version = airflow_version.group(1)
    for name, service in _services(compose).items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", f"{name}: image {image!r} has no pinned tag"
        assert re.fullmatch(r"\d+(\.\d+)+(-[a-z0-9.]+)?", tag), f"{name}: tag {tag!r} is not a version"
    build = _services(compose)["airflow-scheduler"]["build"]
    dockerfile = (PROJECT / build["context"] / build["dockerfile"]).read_text(encoding="utf-8")
    base = re.search(r"^FROM apache/airflow:(\S+)", dockerfile, re.MULTILINE)
    assert base, "the Dockerfile is not based on the apache/airflow image"
    assert base.group(1).startswith(f"{version}-python3.11"), (base.group(1), version)
    assert _services(compose)["airflow-scheduler"]["image"].endswith(f":{version}")


def test_airflow_options_are_ones_airflow_knows(compose) -> None:
    config = yaml.safe_load(
        (Path(__import__("airflow").__file__).parent / "config_templates" / "config.yml").read_text()
    )
    operations = OPERATIONS.read_text(encoding="utf-8")
    unknown = []
    for name, service in _services(compose).items():
        for variable in _environment(service):
            if not variable.startswith("AIRFLOW__"):
                continue
            _, section, option = variable.lower().split("__", 2)
            if variable in CELERY_PROVIDER_OPTIONS:
                if variable not in operations:
                    unknown.append(f"{name}: {variable} (provider option) is not in docs/operations.md")
                continue
            if option not in (config.get(section) or {}).get("options", {}):
                unknown.append(f"{name}: {variable} is not an Airflow {section}.{option} option")
    assert unknown == []


def test_newsetl_variables_are_settings_the_project_reads(compose) -> None:
    from dataclasses import fields

    from transforms.settings import Settings

    known = {f"NEWSETL_{field.name.upper()}" for field in fields(Settings)}
    for name, service in _services(compose).items():
        for variable in _environment(service):
            if variable.startswith("NEWSETL_"):
                assert variable in known, f"{name}: {variable} is not a newsetl setting"
            elif not variable.startswith("AIRFLOW__") and not name.endswith("-db"):
                assert variable in IMAGE_VARIABLES, f"{name}: unexplained variable {variable}"


def test_every_interpolated_variable_is_in_env_example_or_has_a_default(env_example) -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    used = {match.group(1): match.group(2) or "" for match in INTERPOLATION.finditer(text)}
    assert used, "expected ${...} variables in docker-compose.yml"
    for variable, modifier in used.items():
        if modifier.startswith((":?", "?")) or not modifier:
            assert variable in env_example, f"{variable} is required but missing from .env.example"
    operations = OPERATIONS.read_text(encoding="utf-8")
    for variable in env_example:
        assert variable in used, f".env.example sets {variable}, which docker-compose.yml never uses"
        assert variable in operations, f"{variable} is not explained in docs/operations.md"


def test_env_example_holds_no_secret(env_example) -> None:
    for variable, value in env_example.items():
        if any(word in variable for word in ("PASSWORD", "SECRET", "KEY")):
            assert value == "" or value.startswith("CHANGE-ME"), f"{variable} looks like a real secret"


def test_dotenv_is_ignored_by_git() -> None:
    ignored = (PROJECT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/.env" in ignored or ".env" in ignored
