"""The deploy files cannot run here (no container engine), so check what can be checked: they parse, probes and
ports point at real routes and the real port, the dashboard's metrics exist, and every command they run exists."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from importlib.metadata import distribution
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, guarded_env
from starlette.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli, load_plugins
from app.infra.settings import Settings
from app.server import create_app

DEPLOY = ROOT / "deploy"


def manifests() -> list[dict]:
    docs = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return docs


def one(kind: str, name: str) -> dict:
    found = [d for d in manifests() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}"
    return found[0]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    # No lifespan: routes and /metrics need no index.
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("deploy"), llm="extractive"), api_key="")


@pytest.fixture(scope="module")
def routes(app) -> set[str]:
    return {r.path for r in app.routes}


def dockerfile() -> tuple[str, list[str], list[str]]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    entry = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M).group(1))
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    return text, entry, cmd


def test_everything_parses():
    kinds = sorted(d["kind"] for d in manifests())
    assert kinds == ["ConfigMap", "Deployment", "Secret", "Service", "Service", "StatefulSet"]
    assert yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())["scrape_configs"]
    assert json.loads((DEPLOY / "grafana" / "roadmap-tutor-dashboard.json").read_text())["panels"]


def test_probes_and_ports_point_at_real_routes_and_the_real_port(routes):
    _, entry, cmd = dockerfile()
    argv = entry + cmd
    port = int(argv[argv.index("--port") + 1])
    assert f"EXPOSE {port}" in dockerfile()[0]
    pod = one("Deployment", "tutor")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    named = {p["name"]: p["containerPort"] for p in container["ports"]}
    command = container["command"]
    assert int(command[command.index("--port") + 1]) == named["http"] == port
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] in routes and named.get(get["port"], get["port"]) == port
    service = one("Service", "tutor")
    assert service["spec"]["selector"] == one("Deployment", "tutor")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["ports"][0]["targetPort"] in named
    scrape = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())["scrape_configs"][0]
    assert scrape["metrics_path"] in routes and "/metrics" in routes
    assert service["metadata"]["annotations"]["prometheus.io/port"] == str(port)


def test_config_secret_and_chroma_wiring():
    config = one("ConfigMap", "tutor-config")["data"]
    assert set(config) - {"OTEL_EXPORTER_OTLP_ENDPOINT"} <= {f"TUTOR_{n.upper()}" for n in Settings.model_fields}
    assert "TUTOR_API_KEY" in one("Secret", "tutor-api-key")["stringData"]
    env_from = one("Deployment", "tutor")["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    assert {"configMapRef": {"name": "tutor-config"}} in env_from
    assert {"secretRef": {"name": "tutor-api-key"}} in env_from
    chroma = one("StatefulSet", "chroma")["spec"]
    claim = chroma["volumeClaimTemplates"][0]["metadata"]["name"]
    container = chroma["template"]["spec"]["containers"][0]
    assert container["volumeMounts"][0]["name"] == claim
    cmd = container["command"]
    assert cmd[cmd.index("--path") + 1] == container["volumeMounts"][0]["mountPath"]
    service = one("Service", "chroma")
    assert service["spec"]["selector"] == chroma["selector"]["matchLabels"]
    assert config["TUTOR_CHROMA"] == f"http://chroma:{service['spec']['ports'][0]['port']}"
    assert int(cmd[cmd.index("--port") + 1]) == container["ports"][0]["containerPort"]


def test_dashboard_metrics_exist_in_metrics_output(app):
    exposition = TestClient(app).get("/metrics").text
    exposed = set(re.findall(r"^# (?:HELP|TYPE) (\S+)", exposition, re.M))
    exprs = [t["expr"] for p in json.loads((DEPLOY / "grafana" / "roadmap-tutor-dashboard.json").read_text())["panels"]
             for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"\btutor_[a-z_]+", e)}
    assert len(used) >= 8
    for name in used:
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in exposed or base in exposed, f"{name} is not in /metrics"


def test_every_command_exists():
    load_plugins()  # `tutor serve` comes from the server's entry point, as in the installed CLI
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    chroma_scripts = {e.name for e in distribution("chromadb").entry_points if e.group == "console_scripts"}
    bin_dir = Path(sys.executable).parent
    _, entry, cmd = dockerfile()
    commands = [entry + cmd]
    for doc in manifests():
        if doc["kind"] in ("Deployment", "StatefulSet"):
            pod = doc["spec"]["template"]["spec"]
            commands += [c["command"] for c in pod.get("initContainers", []) + pod["containers"]]
    seen = set()
    for argv in commands:
        exe = argv[0]
        assert exe in scripts or exe in chroma_scripts, f"{exe} is no console script"
        assert (bin_dir / exe).exists()
        seen.add(exe)
        if exe == "tutor":  # the subcommand and its options are real
            result = CliRunner().invoke(cli, [*argv[1:2], "--help"])
            assert result.exit_code == 0, result.output
            assert all(opt in result.output for opt in argv[2:] if opt.startswith("--"))
        else:
            proc = subprocess.run([str(bin_dir / exe), argv[1], "--help"], capture_output=True, text=True,
                                  timeout=120, env=guarded_env(COLUMNS="200"))
            assert proc.returncode == 0, proc.stderr
            assert all(opt in proc.stdout for opt in argv[2:] if opt.startswith("--")), proc.stdout
    assert seen == {"tutor", "chroma"}


def test_dockerfile_is_multi_stage_and_copies_what_exists():
    text, _, _ = dockerfile()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2 and "COPY --from=build" in text
    assert "Baked in or mounted" in text
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.M):
        *sources, _ = shlex.split(line)
        for src in sources:
            assert (ROOT / src).exists(), f"Dockerfile copies {src}, which does not exist"
