"""The properties vecdot's Kubernetes manifests must have, as checks that list what is wrong.

``problems(manifests)`` takes one object of each kind (Deployment, Service, ...) and returns
a line per broken property, empty for a good set. Each line starts with the check's name
("security: ...") so a test can tell which check caught a fault. What the image and the app
say about themselves (user, port, timeouts, limits, routes) comes from k8s_facts, read from
their own files, never from a copy here.
"""

import math

from k8s_facts import (
    app_settings,
    container_env,
    cpu_cores,
    gunicorn,
    image,
    image_tag,
    nginx_size,
    route_of,
    routes,
    version,
)

LABELS = ("name", "instance", "version", "component", "part-of", "managed-by")
MEMORY_MOUNTS = ("/tmp", "/dev/shm")  # plus PROMETHEUS_MULTIPROC_DIR, read from the env


def dig(obj, *keys, default=None):
    for key in keys:
        try:
            obj = obj[key]
        except (KeyError, IndexError, TypeError):
            return default
    return obj


def _pod(m):
    return dig(m, "Deployment", "spec", "template", "spec", default={})


def _container(m):
    return dig(_pod(m), "containers", 0, default={})


def _env(m):
    return container_env(_container(m))


def _port(m):
    """The container's port: number and name."""
    port = dig(_container(m), "ports", 0, default={})
    return port.get("containerPort"), port.get("name")


def _selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_labels(m):
    objects = {kind: dig(obj, "metadata", "labels", default={}) for kind, obj in m.items()}
    if "Deployment" in m:
        objects["pod template"] = dig(m, "Deployment", "spec", "template", "metadata", "labels", default={})
    for kind, labels in objects.items():
        for label in LABELS:
            if not labels.get(f"app.kubernetes.io/{label}"):
                yield f"labels: {kind} has no app.kubernetes.io/{label}"
        if labels.get("app.kubernetes.io/version", version()) != version():
            yield f"labels: {kind} says version {labels['app.kubernetes.io/version']}, vecdot {version()}"
    if len({tuple(sorted(labels.items())) for labels in objects.values()}) > 1:
        yield "labels: the objects do not all carry the same labels"


def check_selectors(m):
    pod_labels = dig(m, "Deployment", "spec", "template", "metadata", "labels", default={})
    selectors = {
        "Deployment": dig(m, "Deployment", "spec", "selector", "matchLabels"),
        "Service": dig(m, "Service", "spec", "selector"),
        "PodDisruptionBudget": dig(m, "PodDisruptionBudget", "spec", "selector", "matchLabels"),
        "NetworkPolicy": dig(m, "NetworkPolicy", "spec", "podSelector", "matchLabels"),
    }
    for kind, selector in selectors.items():
        if not _selects(selector, pod_labels):
            yield f"selectors: the {kind}'s selector {selector} does not select the pods"
        elif "app.kubernetes.io/version" in selector:
            yield f"selectors: the {kind}'s selector names the version: a new version would orphan the old pods"
    target = dig(m, "HorizontalPodAutoscaler", "spec", "scaleTargetRef", default={})
    if (target.get("kind"), target.get("name")) != ("Deployment", dig(m, "Deployment", "metadata", "name")):
        yield f"selectors: the autoscaler scales {target}, not the Deployment"


def check_image(m):
    container = _container(m)
    if len(_pod(m).get("containers", [])) != 1:
        yield "image: the pod should run exactly one container"
    if container.get("image") != image_tag():
        yield f"image: {container.get('image')!r} is not {image_tag()!r}, what make image builds"
    if "command" in container or "args" in container:
        yield f"image: command/args replace the image's CMD {image()['cmd']}, which starts gunicorn"


def check_port(m):
    number, name = _port(m)
    binds = {int(b.rpartition(":")[2]) for b in gunicorn(_env(m))["bind"]}
    if binds != {image()["port"]} or number != image()["port"]:
        yield f"port: the container says {number}, gunicorn binds {sorted(binds)}, the image exposes {image()['port']}"
    target = dig(m, "Service", "spec", "ports", 0, "targetPort")
    if target not in (number, name):
        yield f"port: the Service sends to {target!r}, not the container's port"


def check_probes(m):
    container = _container(m)
    number, name = _port(m)
    health = route_of("health")
    if health != image()["health_path"]:
        yield f"probes: the app serves health on {health}, the image's HEALTHCHECK asks {image()['health_path']}"
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = dig(container, probe, "httpGet", default={})
        if get.get("path") != health or get.get("port") not in (number, name):
            yield f"probes: {probe} does not GET {health} on the container's port"
    liveness = container.get("livenessProbe", {})
    window = liveness.get("periodSeconds", 10) * liveness.get("failureThreshold", 3)
    timeout = gunicorn(_env(m))["timeout"]
    if window <= timeout:
        yield f"probes: liveness restarts after {window} s, before gunicorn replaces a silent worker ({timeout} s)"


def check_resources(m):
    resources = _container(m).get("resources", {})
    for kind in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            if resource not in resources.get(kind, {}):
                yield f"resources: no {resource} in {kind}"
    limit = resources.get("limits", {}).get("cpu")
    if limit is not None:
        workers = gunicorn(_env(m))["workers"]
        if workers != math.ceil(cpu_cores(limit)):
            yield f"resources: {workers} gunicorn workers for a CPU limit of {limit}"


def check_security(m):
    pod = _pod(m).get("securityContext", {})
    container = _container(m).get("securityContext", {})
    effective = {**pod, **container}  # the container's own settings win
    expected = {"runAsNonRoot": True, "runAsUser": image()["uid"], "runAsGroup": image()["gid"],
                "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False}
    for key, value in expected.items():
        if effective.get(key) != value:
            yield f"security: {key} is {effective.get(key)!r}, not {value!r}"
    if (image()["uid"], image()["gid"]) != (image()["created_uid"], image()["created_gid"]):
        yield "security: the Dockerfile's USER is not the user it creates"
    if "ALL" not in dig(container, "capabilities", "drop", default=[]) or dig(container, "capabilities", "add"):
        yield "security: not every capability is dropped"
    if dig(effective, "seccompProfile", "type") != "RuntimeDefault":
        yield "security: the seccomp profile is not RuntimeDefault"
    if effective.get("privileged"):
        yield "security: the container is privileged"
    if _pod(m).get("automountServiceAccountToken") is not False:
        yield "security: a service account token is mounted into a pod that never uses it"
    if _pod(m).get("enableServiceLinks") is not False:
        yield "environment: service links inject VECDOT_* variables the app would read as settings"


def check_volumes(m):
    volumes = {v.get("name"): v for v in _pod(m).get("volumes", [])}
    mounts = {mount.get("mountPath"): mount.get("name") for mount in _container(m).get("volumeMounts", [])}
    metrics_dir = _env(m).get("PROMETHEUS_MULTIPROC_DIR")
    if not metrics_dir:
        yield "volumes: no PROMETHEUS_MULTIPROC_DIR: each gunicorn would make its own in /dev/shm"
    for path in (*MEMORY_MOUNTS, metrics_dir):
        empty_dir = dig(volumes, mounts.get(path), "emptyDir", default={})
        if empty_dir.get("medium") != "Memory" or not empty_dir.get("sizeLimit"):
            yield f"volumes: {path} is not a size-limited emptyDir in memory"


def check_shutdown(m):
    pod = _pod(m)
    grace = pod.get("terminationGracePeriodSeconds", 30)
    pre_stop = dig(_container(m), "lifecycle", "preStop", default={})
    if "sleep" in pre_stop:
        pause = pre_stop["sleep"].get("seconds", 0)
    else:
        pause = 0
        yield "shutdown: no preStop pause: SIGTERM comes while the endpoints still send traffic"
    graceful = gunicorn(_env(m))["graceful_timeout"]
    if grace <= pause + graceful:
        yield f"shutdown: {grace} s grace is not more than the {pause} s pause plus gunicorn's {graceful} s"


def check_metrics(m):
    number, _ = _port(m)
    annotations = dig(m, "Deployment", "spec", "template", "metadata", "annotations", default={})
    expected = {"prometheus.io/scrape": "true", "prometheus.io/port": str(number),
                "prometheus.io/path": route_of("metrics")}
    for key, value in expected.items():
        if annotations.get(key) != value:
            yield f"metrics: the pod's {key} is {annotations.get(key)!r}, not {value!r}"
    monitor = m.get("ServiceMonitor")
    if monitor:
        if not _selects(dig(monitor, "spec", "selector", "matchLabels"), dig(m, "Service", "metadata", "labels")):
            yield "metrics: the ServiceMonitor does not select the Service"
        ports = {p.get("name") for p in dig(m, "Service", "spec", "ports", default=[])}
        for endpoint in dig(monitor, "spec", "endpoints", default=[]):
            if endpoint.get("port") not in ports or endpoint.get("path") != route_of("metrics"):
                yield f"metrics: the ServiceMonitor scrapes {endpoint}, not a Service port's {route_of('metrics')}"


def check_scaling(m):
    hpa = dig(m, "HorizontalPodAutoscaler", "spec", default={})
    cpu = [x for x in hpa.get("metrics", []) if dig(x, "resource", "name") == "cpu"]
    if not cpu:
        yield "scaling: the autoscaler does not scale on CPU"
    minimum = hpa.get("minReplicas", 1)
    if minimum < 2:
        yield f"scaling: at {minimum} replica a single restart leaves nothing serving"
    if "replicas" in dig(m, "Deployment", "spec", default={}):
        yield "scaling: the Deployment sets replicas, which each apply resets under the autoscaler"
    pdb = dig(m, "PodDisruptionBudget", "spec", default={})
    if "minAvailable" in pdb and int(pdb["minAvailable"]) >= minimum:
        yield f"scaling: minAvailable {pdb['minAvailable']} with {minimum} replicas blocks every drain"
    if pdb.get("maxUnavailable", 1) in (0, "0%") and "minAvailable" not in pdb:
        yield "scaling: maxUnavailable 0 blocks every drain"


def check_network(m):
    number, name = _port(m)
    policy = dig(m, "NetworkPolicy", "spec", default={})
    if "Ingress" not in policy.get("policyTypes", []):
        yield "network: the NetworkPolicy does not restrict ingress"
    for rule in policy.get("ingress", []):
        ports = rule.get("ports", [])
        if not ports or any(p.get("port") not in (number, name) for p in ports):
            yield f"network: an ingress rule admits {ports or 'every port'}, not only the service port"


def check_ingress(m):
    ingress = m.get("Ingress")
    if not ingress:
        return
    body = app_settings(_env(m))["MAX_BODY_BYTES"]
    annotations = dig(ingress, "metadata", "annotations", default={})
    for key in ("nginx.ingress.kubernetes.io/proxy-body-size", "nginx.org/client-max-body-size"):
        if key not in annotations or nginx_size(annotations[key]) != body:
            yield f"ingress: {key} is {annotations.get(key)!r}, the app's body limit {body} bytes"
    paths = [p for rule in dig(ingress, "spec", "rules", default=[]) for p in dig(rule, "http", "paths", default=[])]

    def served(route):
        for p in paths:
            if p.get("pathType") == "Exact" and p.get("path") == route:
                return True
            prefix = p.get("path", "").rstrip("/")
            if p.get("pathType") == "Prefix" and (route == prefix or route.startswith(prefix + "/")):
                return True
        return False

    for route in routes():
        if served(route) != (route != route_of("metrics")):
            yield f"ingress: {route} is {'exposed' if served(route) else 'not routed'}"
    service_ports = {x.get("name") for x in dig(m, "Service", "spec", "ports", default=[])}
    for p in paths:
        backend = dig(p, "backend", "service", default={})
        if backend.get("name") != dig(m, "Service", "metadata", "name") or \
                dig(backend, "port", "name") not in service_ports:
            yield f"ingress: {p.get('path')} does not go to the Service's port"


CHECKS = (check_labels, check_selectors, check_image, check_port, check_probes, check_resources, check_security,
          check_volumes, check_shutdown, check_metrics, check_scaling, check_network, check_ingress)


def run(check, manifests):
    """One check's problems; an environment k8s_facts cannot work out is one too."""
    try:
        return list(check(manifests))
    except ValueError as error:
        return [f"environment: {error}"]


def problems(manifests):
    """Every broken property of this set of manifests ({kind: object}), one line each."""
    return sorted({problem for check in CHECKS for problem in run(check, manifests)})
