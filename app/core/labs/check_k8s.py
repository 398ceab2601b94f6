"""Kubernetes labs, checked statically (no cluster): every document is validated against the Kubernetes schema
shipped in kubernetes-validate (offline), then the properties the task asks for are read from the objects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from app.core.labs.model import K8sCheck, Lab
from app.core.labs.result import CheckResult, failed, first_failure, read_text_limited

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")


def load_manifests(text: str, name: str) -> list[dict[str, Any]]:
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValueError(f"{name} line {mark.line + 1 if mark else 1} is not valid YAML ({problem}): check the "
                         "indentation (spaces, not tabs) and the colons") from None
    for n, doc in enumerate(docs, start=1):
        if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
            raise ValueError(f"{name} document {n} is not a Kubernetes object: it needs apiVersion, kind and metadata")
    if not docs:
        raise ValueError(f"{name} has no objects yet")
    return docs


def validate_schema(doc: dict[str, Any], version: str) -> str | None:
    import kubernetes_validate as kv

    label = f"{doc.get('kind')} '{(doc.get('metadata') or {}).get('name', '?')}'"
    try:
        kv.validate(doc, version, strict=True)
    except kv.ValidationError as exc:
        where = ".".join(str(p) for p in exc.path) or "the top level"
        return f"{label} does not match the Kubernetes {version} schema at {where}: {exc.message}"
    except kv.SchemaNotFoundError:
        return f"{label}: no such kind/apiVersion in Kubernetes {version} ({doc.get('apiVersion')}/{doc.get('kind')})"
    except (KeyError, TypeError, AttributeError) as exc:
        return f"{label} is malformed ({exc})"
    return None


def pod_template(workload: dict[str, Any]) -> dict[str, Any]:
    spec = workload.get("spec") or {}
    if workload["kind"] == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return spec.get("template") or {}


def _get(data: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        data = data.get(part) if isinstance(data, dict) else None  # type: ignore[assignment]
    return data


def _workload_rules(spec: K8sCheck, docs: list[dict[str, Any]], workload: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    template = pod_template(workload)
    pod = template.get("spec") or {}
    containers = pod.get("containers") or []
    labels = (template.get("metadata") or {}).get("labels") or {}
    kind = workload["kind"]
    for probe in spec.probes:
        for c in containers:
            if not c.get(f"{probe}Probe"):
                problems.append(f"container '{c.get('name')}' has no {probe}Probe")
    for field in spec.resources:
        for c in containers:
            if _get(c.get("resources") or {}, field) is None:
                problems.append(f"container '{c.get('name')}' sets no resources.{field}")
    for key, value in spec.labels.items():
        if labels.get(key) != value:
            problems.append(f"the {kind}'s pod template needs the label {key}: {value} (has {labels or 'none'})")
    if spec.min_replicas is not None and int((workload.get("spec") or {}).get("replicas", 1)) < spec.min_replicas:
        problems.append(f"the {kind} runs fewer than {spec.min_replicas} replicas: set spec.replicas")
    if spec.service_selects_workload:
        problems += _service_rule(docs, labels, containers)
    if spec.configmap_mount:
        problems += _configmap_rule(docs, pod, containers, spec.configmap_mount["path"])
    if spec.cronjob:
        for key, want in spec.cronjob.items():
            where = {"schedule": workload.get("spec") or {}, "concurrencyPolicy": workload.get("spec") or {},
                     "restartPolicy": pod}.get(key, workload.get("spec") or {})
            if str(where.get(key)) != want:
                problems.append(f"the {kind}'s {key} is {where.get(key)!r}; the task asks for {want!r}")
    return problems


def _service_rule(docs: list[dict[str, Any]], labels: dict[str, str], containers: list[dict[str, Any]]) -> list[str]:
    services = [d for d in docs if d["kind"] == "Service"]
    if not services:
        return ["no Service in the manifest"]
    problems = []
    ports = {p.get("containerPort") for c in containers for p in c.get("ports") or []}
    ports |= {p.get("name") for c in containers for p in c.get("ports") or [] if p.get("name")}
    for svc in services:
        selector = (svc.get("spec") or {}).get("selector") or {}
        if not selector:
            problems.append(f"Service '{svc['metadata'].get('name')}' has no selector: it would select no pods")
        elif any(labels.get(k) != v for k, v in selector.items()):
            problems.append(f"Service '{svc['metadata'].get('name')}' selects {selector}, but the pods are labelled "
                            f"{labels or 'with nothing'}: the selector must match the pod template's labels")
        for port in (svc.get("spec") or {}).get("ports") or []:
            target = port.get("targetPort", port.get("port"))
            if target not in ports:
                problems.append(f"Service port {port.get('port')} targets {target}, which no container exposes "
                                f"(containerPort {', '.join(str(p) for p in sorted(ports, key=str)) or 'none'})")
    return problems


def _configmap_rule(docs: list[dict[str, Any]], pod: dict[str, Any], containers: list[dict[str, Any]],
                    path: str) -> list[str]:
    maps = {d["metadata"].get("name") for d in docs if d["kind"] == "ConfigMap"}
    if not maps:
        return ["no ConfigMap in the manifest"]
    volumes = {v.get("name"): (v.get("configMap") or {}).get("name") for v in pod.get("volumes") or []}
    from_map = {vol for vol, cm in volumes.items() if cm in maps}
    if not from_map:
        named = sorted(cm for cm in volumes.values() if cm)
        return [f"no volume of the pod uses the ConfigMap {', '.join(sorted(maps))}" +
                (f" (the volume names configMap {', '.join(named)})" if named else "")]
    mounts = [m for c in containers for m in c.get("volumeMounts") or [] if m.get("name") in from_map]
    if not mounts:
        return ["the ConfigMap volume is not mounted in the container: add volumeMounts"]
    if not any(m.get("mountPath") == path for m in mounts):
        return [f"the ConfigMap is mounted at {mounts[0].get('mountPath')}; the task asks for {path}"]
    return []


def check_k8s(lab: Lab, spec: K8sCheck, folder: Path) -> CheckResult:
    path = folder / spec.path
    if not path.is_file():
        return failed(f"{spec.path} is missing in {folder}: write your manifest there")
    try:
        docs = load_manifests(read_text_limited(path, 200_000), spec.path)
    except ValueError as exc:
        return failed(str(exc))
    schema = [p for p in (validate_schema(d, spec.kubernetes_version) for d in docs) if p]
    if schema:
        return failed(schema[0], schema[1:])
    have = [d["kind"] for d in docs]
    missing = [k for k in spec.kinds if k not in have]
    if missing:
        return failed(f"the manifest has no {' or '.join(missing)} (it has {', '.join(have)})")
    workload = next((d for d in docs if d["kind"] in WORKLOADS), None)
    problems = _workload_rules(spec, docs, workload) if workload else []
    return first_failure(problems, f"valid against the Kubernetes {spec.kubernetes_version} schema, and every "
                                   "property the task asks for is there")
