"""deploy/k8s/ is valid Kubernetes, hardened, and agrees with the image it runs; all offline.

Three layers, each shown to fail on a broken copy so that none passes vacuously:
- every manifest validates, strictly (no unknown field), against the schemas that
  kubernetes-validate (requirements-deploy.txt) bundles for the versions claimed in
  docs/deploy.md;
- the properties of k8s_checks.py hold (non-root, read-only, probes on the health route,
  limits, grace period longer than gunicorn's, labels, ...), compared with what the
  Dockerfile, web/gunicorn.conf.py and web/vecdot_web/settings.py say;
- the Kustomization lists exactly what `kubectl apply -f deploy/k8s/` applies.
"""

import copy
from pathlib import Path

import pytest
import yaml
from k8s_checks import (
    CHECKS,
    check_image,
    check_ingress,
    check_labels,
    check_metrics,
    check_network,
    check_port,
    check_probes,
    check_resources,
    check_scaling,
    check_security,
    check_selectors,
    check_shutdown,
    check_volumes,
    problems,
    run,
)
from kubernetes_validate import utils as kv

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
# The versions docs/deploy.md claims: the three newest kubernetes-validate bundles.
VERSIONS = ("1.35", "1.36", "1.37")
# Kinds whose schema is a CustomResourceDefinition no validator bundles; k8s_checks covers them.
CUSTOM_KINDS = {"ServiceMonitor"}

APPLIED = sorted(K8S.glob("*.yaml"))  # what `kubectl apply -f deploy/k8s/` reads
OPTIONAL = sorted((K8S / "optional").glob("*.yaml"))


def documents(path):
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def load_manifests():
    """Every object of deploy/k8s/ and optional/, by kind (one of each)."""
    objects = [doc for path in APPLIED + OPTIONAL for doc in documents(path)]
    by_kind = {doc["kind"]: doc for doc in objects}
    assert len(by_kind) == len(objects), "two objects of one kind: the checks would see only one"
    return by_kind


MANIFESTS = load_manifests()


def schema_error(doc, version):
    """Why the schema of this Kubernetes version rejects doc, or None."""
    try:
        kv.validate(doc, version, strict=True)
    except kv.ValidationError as error:
        return f"{'.'.join(map(str, error.path))}: {error.message}"
    except kv.SchemaNotFoundError as error:
        # The CLI only warns here and exits 0: a misspelt apiVersion would pass it.
        return error.message
    return None


# --- Layer 1: the schemas ------------------------------------------------------------------

def test_the_versions_claimed_are_the_newest_the_validator_bundles():
    bundled = sorted({kv.major_minor(v) for v in kv.all_versions()}, key=lambda v: tuple(map(int, v.split("."))))
    assert VERSIONS == tuple(bundled[-3:]), f"kubernetes-validate now bundles {bundled}: update VERSIONS and the docs"
    docs = (REPO / "docs" / "deploy.md").read_text()
    assert all(v in docs for v in VERSIONS), "docs/deploy.md does not name the versions validated against"


SCHEMA_CASES = [(path, i, doc) for path in APPLIED + OPTIONAL for i, doc in enumerate(documents(path))
                if doc["kind"] not in CUSTOM_KINDS]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path, index, doc", SCHEMA_CASES,
                         ids=[f"{p.relative_to(K8S)}:{d['kind']}" for p, _, d in SCHEMA_CASES])
def test_manifest_is_valid_kubernetes(path, index, doc, version):
    assert schema_error(doc, version) is None


def test_custom_kinds_have_no_bundled_schema_so_only_the_checks_cover_them():
    for kind in CUSTOM_KINDS:
        assert schema_error(MANIFESTS[kind], VERSIONS[-1]).startswith("Couldn't find schema")


@pytest.mark.parametrize("kind, mutate", [
    # A misspelt field, which the API server would drop silently (strict validation catches it).
    ("Deployment", lambda d: d["spec"]["template"]["spec"]["containers"][0]["securityContext"]
     .update(readOnlyRootFileSystem=True)),
    # A wrong type.
    ("Deployment", lambda d: d["spec"]["template"]["spec"].update(terminationGracePeriodSeconds="20")),
    # A missing required field.
    ("Service", lambda d: d["spec"]["ports"][0].pop("port")),
    # An API version no cluster serves.
    ("HorizontalPodAutoscaler", lambda d: d.update(apiVersion="autoscaling/v3")),
], ids=["misspelt-field", "wrong-type", "missing-field", "unknown-api-version"])
def test_the_schema_check_rejects_a_broken_manifest(kind, mutate):
    doc = copy.deepcopy(MANIFESTS[kind])
    assert schema_error(doc, VERSIONS[-1]) is None
    mutate(doc)
    assert schema_error(doc, VERSIONS[-1]) is not None


# --- Layer 2: the properties ---------------------------------------------------------------

def test_the_manifests_have_every_property():
    assert problems(MANIFESTS) == []


def pod(m):
    return m["Deployment"]["spec"]["template"]["spec"]


def container(m):
    return pod(m)["containers"][0]


def add_env(name, value):
    return lambda m: container(m)["env"].append({"name": name, "value": value})


def annotate(kind, key, value):
    return lambda m: m[kind]["metadata"].setdefault("annotations", {}).update({key: value})


def pod_annotation(key, value):
    return lambda m: m["Deployment"]["spec"]["template"]["metadata"]["annotations"].update({key: value})


def literal_workers(m, workers, cpu_limit):
    container(m)["env"][0] = {"name": "GUNICORN_WORKERS", "value": workers}
    container(m)["resources"]["limits"]["cpu"] = cpu_limit


def min_available(m, count):
    budget = m["PodDisruptionBudget"]["spec"]
    budget.pop("maxUnavailable")
    budget["minAvailable"] = count


# Each fault, the check that must report it. Every check in CHECKS appears at least once.
BREAKAGES = {
    # labels: each recommended label, on every object and on the pods; the version from lib/.
    "service-without-managed-by": (check_labels, lambda m: m["Service"]["metadata"]["labels"]
                                   .pop("app.kubernetes.io/managed-by")),
    "pods-without-part-of": (check_labels, lambda m: m["Deployment"]["spec"]["template"]["metadata"]["labels"]
                             .pop("app.kubernetes.io/part-of")),
    "wrong-version": (check_labels, lambda m: m["HorizontalPodAutoscaler"]["metadata"]["labels"]
                      .update({"app.kubernetes.io/version": "9.9.9"})),
    # selectors: what selects the pods does select them, and never by version.
    "pdb-selects-nothing": (check_selectors, lambda m: m["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"]
                            .update({"app.kubernetes.io/instance": "other"})),
    "service-selects-nothing": (check_selectors, lambda m: m["Service"]["spec"]["selector"]
                                .update({"app.kubernetes.io/name": "other"})),
    "selector-with-version": (check_selectors, lambda m: m["Deployment"]["spec"]["selector"]["matchLabels"]
                              .update({"app.kubernetes.io/version": "0.1.0"})),
    "hpa-scales-another": (check_selectors, lambda m: m["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
                           .update(name="other")),
    # image: the tag make image builds, run with its own CMD.
    "other-image": (check_image, lambda m: container(m).update(image="vecdot:old")),
    "command-replaced": (check_image, lambda m: container(m).update(command=["python", "-m", "flask", "run"])),
    # port: one number in the Dockerfile, gunicorn and the manifests.
    "container-port": (check_port, lambda m: container(m)["ports"][0].update(containerPort=8080)),
    "gunicorn-binds-elsewhere": (check_port, add_env("GUNICORN_BIND", "0.0.0.0:9000")),
    "service-target": (check_port, lambda m: m["Service"]["spec"]["ports"][0].update(targetPort="web")),
    # probes: all three, on the health route, liveness slower than gunicorn's own repair.
    "no-startup-probe": (check_probes, lambda m: container(m).pop("startupProbe")),
    "readiness-on-root": (check_probes, lambda m: container(m)["readinessProbe"]["httpGet"].update(path="/")),
    "liveness-other-port": (check_probes, lambda m: container(m)["livenessProbe"]["httpGet"].update(port=9000)),
    "liveness-hastier-than-gunicorn": (check_probes, lambda m: container(m)["livenessProbe"]
                                       .update(failureThreshold=1)),
    # resources: requests and limits; the worker count follows the CPU limit.
    "no-memory-limit": (check_resources, lambda m: container(m)["resources"]["limits"].pop("memory")),
    "no-requests": (check_resources, lambda m: container(m)["resources"].pop("requests")),
    "workers-not-the-cpu-limit": (check_resources, lambda m: literal_workers(m, "4", "2")),
    "cpu-limit-raised-alone": (check_resources, lambda m: literal_workers(m, "2", "3")),
    # security: non-root as the image's user, read-only, no privilege, no capability, seccomp.
    "may-run-as-root": (check_security, lambda m: pod(m)["securityContext"].update(runAsNonRoot=False)),
    "root-user": (check_security, lambda m: pod(m)["securityContext"].update(runAsUser=0)),
    "container-overrides-user": (check_security, lambda m: container(m)["securityContext"].update(runAsUser=1000)),
    "other-group": (check_security, lambda m: pod(m)["securityContext"].update(runAsGroup=0)),
    "writable-root": (check_security, lambda m: container(m)["securityContext"].update(readOnlyRootFilesystem=False)),
    "privilege-escalation": (check_security, lambda m: container(m)["securityContext"]
                             .update(allowPrivilegeEscalation=True)),
    "capabilities-kept": (check_security, lambda m: container(m)["securityContext"]["capabilities"]
                          .update(drop=["NET_RAW"])),
    "capability-added": (check_security, lambda m: container(m)["securityContext"]["capabilities"]
                         .update(add=["NET_ADMIN"])),
    "unconfined-seccomp": (check_security, lambda m: pod(m)["securityContext"]["seccompProfile"]
                           .update(type="Unconfined")),
    "privileged": (check_security, lambda m: container(m)["securityContext"].update(privileged=True)),
    "token-mounted": (check_security, lambda m: pod(m).pop("automountServiceAccountToken")),
    "service-links": (check_security, lambda m: pod(m).pop("enableServiceLinks")),
    # volumes: /tmp, /dev/shm and the metrics directory in memory, bounded.
    "tmp-on-disk": (check_volumes, lambda m: pod(m)["volumes"][0]["emptyDir"].pop("medium")),
    "shm-unbounded": (check_volumes, lambda m: pod(m)["volumes"][1]["emptyDir"].pop("sizeLimit")),
    "no-metrics-dir": (check_volumes, lambda m: container(m)["env"].pop(1)),
    "metrics-dir-not-mounted": (check_volumes, lambda m: container(m)["volumeMounts"].pop(2)),
    # shutdown: a pause, then gunicorn's graceful timeout, all within the grace period.
    "grace-too-short": (check_shutdown, lambda m: pod(m).update(terminationGracePeriodSeconds=15)),
    "gunicorn-graceful-raised": (check_shutdown, add_env("GUNICORN_GRACEFUL_TIMEOUT", "60")),
    "no-pre-stop": (check_shutdown, lambda m: container(m).pop("lifecycle")),
    "pause-too-long": (check_shutdown, lambda m: container(m)["lifecycle"]["preStop"]["sleep"].update(seconds=15)),
    # metrics: the scrape annotations name the container's port and the metrics route.
    "scrape-other-port": (check_metrics, pod_annotation("prometheus.io/port", "9000")),
    "scrape-other-path": (check_metrics, pod_annotation("prometheus.io/path", "/stats")),
    "scrape-off": (check_metrics, pod_annotation("prometheus.io/scrape", "false")),
    "monitor-other-port": (check_metrics, lambda m: m["ServiceMonitor"]["spec"]["endpoints"][0].update(port="web")),
    "monitor-selects-nothing": (check_metrics, lambda m: m["ServiceMonitor"]["spec"]["selector"]["matchLabels"]
                                .update({"app.kubernetes.io/instance": "other"})),
    # scaling: on CPU, never below two, no replicas to fight over, drains possible.
    "one-replica": (check_scaling, lambda m: m["HorizontalPodAutoscaler"]["spec"].update(minReplicas=1)),
    "replicas-in-deployment": (check_scaling, lambda m: m["Deployment"]["spec"].update(replicas=3)),
    "scales-on-memory": (check_scaling, lambda m: m["HorizontalPodAutoscaler"]["spec"]["metrics"][0]["resource"]
                         .update(name="memory")),
    "pdb-blocks-drains": (check_scaling, lambda m: min_available(m, 2)),
    "pdb-zero-unavailable": (check_scaling, lambda m: m["PodDisruptionBudget"]["spec"].update(maxUnavailable=0)),
    # network: ingress only to the service port.
    "rule-without-ports": (check_network, lambda m: m["NetworkPolicy"]["spec"]["ingress"][0].pop("ports")),
    "rule-other-port": (check_network, lambda m: m["NetworkPolicy"]["spec"]["ingress"][0]["ports"]
                        .append({"port": 22, "protocol": "TCP"})),
    "ingress-unrestricted": (check_network, lambda m: m["NetworkPolicy"]["spec"].update(policyTypes=["Egress"])),
    # ingress: the body limit is the app's, every public route is routed and /metrics is not.
    "ingress-body-default": (check_ingress, annotate("Ingress", "nginx.ingress.kubernetes.io/proxy-body-size", "1m")),
    "ingress-body-unset": (check_ingress, lambda m: m["Ingress"]["metadata"]["annotations"]
                           .pop("nginx.org/client-max-body-size")),
    "app-body-limit-raised": (check_ingress, add_env("VECDOT_MAX_BODY_BYTES", "33554432")),
    "metrics-exposed": (check_ingress, lambda m: m["Ingress"]["spec"]["rules"][0]["http"]["paths"][0]
                        .update(pathType="Prefix")),
    "openapi-not-routed": (check_ingress, lambda m: m["Ingress"]["spec"]["rules"][0]["http"]["paths"].pop(3)),
    "ingress-other-port": (check_ingress, lambda m: m["Ingress"]["spec"]["rules"][0]["http"]["paths"][1]
                           ["backend"]["service"]["port"].update(name="web")),
}


@pytest.mark.parametrize("name", BREAKAGES)
def test_each_check_reports_its_fault(name):
    check, mutate = BREAKAGES[name]
    broken = copy.deepcopy(MANIFESTS)
    assert run(check, broken) == [], "the check fails on the real manifests already"
    mutate(broken)
    assert run(check, broken), f"{check.__name__} did not notice {name}"


def test_every_check_has_a_fault_it_is_shown_to_catch():
    assert {check for check, _ in BREAKAGES.values()} == set(CHECKS)


# --- Layer 3: what gets applied ------------------------------------------------------------

def test_the_kustomization_lists_exactly_what_kubectl_apply_f_reads():
    kustomization = yaml.safe_load((K8S / "Kustomization").read_text())
    # kubectl apply -f on a directory reads .json, .yaml and .yml files, and only those.
    applied = sorted(p.name for p in K8S.iterdir() if p.suffix in (".json", ".yaml", ".yml"))
    assert kustomization["resources"] == applied
    assert not list(K8S.glob("kustomization.*")), "kubectl apply -f would fail on a kustomization.yaml"

