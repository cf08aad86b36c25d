"""``deploy/compose.yaml`` cannot run here (no container images): it parses, has the services that
docs/deploy.md describes, and every ``PARLEY_*`` variable it sets is a real ``Settings`` field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _environments(compose: dict[str, Any]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for name, service in compose["services"].items():
        env = service.get("environment") or {}
        if isinstance(env, list):
            env = dict(item.split("=", 1) for item in env)
        found[name] = {str(k): str(v) for k, v in env.items()}
    return found


def test_compose_has_every_service_of_the_deployment() -> None:
    services = _compose()["services"]
    assert {"postgres", "neo4j", "chroma", "vllm", "parley", "nginx", "ingest"} <= set(services)
    assert services["parley"]["deploy"]["replicas"] >= 2
    vllm = " ".join(services["vllm"]["command"])
    assert "--enable-auto-tool-choice" in vllm and "--tool-call-parser=hermes" in vllm and "--model=" in vllm


def test_every_parley_variable_is_a_settings_field() -> None:
    fields = {f"PARLEY_{name.upper()}" for name in Settings.model_fields}
    used = {key for env in _environments(_compose()).values() for key in env if key.startswith("PARLEY_")}
    assert used, "the workers are configured through PARLEY_* variables"
    assert used - fields == set()


def test_the_workers_are_joined_by_configuration_only() -> None:
    env = _environments(_compose())["parley"]
    assert env["PARLEY_SESSION_STORE"] == "postgresql" and env["PARLEY_DATABASE_URL"].startswith(
        "postgresql://"
    )
    assert env["PARLEY_NEO4J_URI"].startswith("bolt://") and env["PARLEY_CHROMA_URL"].startswith("http://")
    assert env["PARLEY_OPENAI_BASE_URL"].endswith("/v1") and env["PARLEY_LLM"] == "openai"
    assert int(env["PARLEY_WORKERS"]) == _compose()["services"]["parley"]["deploy"]["replicas"]
    assert env["PARLEY_UI_SECRET"]
    settings = Settings(**{k.removeprefix("PARLEY_").lower(): v for k, v in env.items() if "${" not in v})
    assert settings.session_store == "postgresql" and settings.workers >= 2


def test_nginx_balances_the_api_and_keeps_a_browser_on_one_worker() -> None:
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert "server parley:7860" in conf and "ip_hash" in conf and "least_conn" in conf
    assert "${WIDGET_ORIGIN}" in conf and "X-Forwarded-For" in conf
    assert conf.count("{") == conf.count("}")
