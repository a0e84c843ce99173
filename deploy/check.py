"""Consistency checks of deploy/ that no schema expresses (run by deploy/check.sh).

The start-up rules below mirror the binary: App::build in crates/platform/src/app.rs (which
secrets a process needs), gateway::edge_auth, Media::configured (S3) and each context's
`secrets()`. When those change, change `needs()` here. The media rules mirror its upload spool
(docs/media.md, "Split deployments") and the gateway's body limit (gateway::proxy).
"""
import glob
import json
import os
import re
import sys
from urllib.parse import urlparse

import yaml

CONTEXTS = ["identity", "notifications", "messaging", "catalog", "booking", "payments", "search", "reviews", "travel", "media", "insights", "audit", "ai"]
problems = []


def bad(msg):
    problems.append(msg)


def load_all(path):
    return [d for d in yaml.safe_load_all(open(path)) if d]


def parse_everything():
    print("== parse")
    files = sorted(glob.glob("deploy/**/*.y*ml", recursive=True)) + sorted(glob.glob("deploy/**/*.json", recursive=True))
    for path in files:
        try:
            json.load(open(path)) if path.endswith(".json") else load_all(path)
        except Exception as e:  # noqa: BLE001 - any parse error is a finding
            bad(f"{path}: {e}")
    print(f"   {len(files)} files")


# Variables naming another Sojourn service, and the service each must name.
SERVICE_URLS = {
    "SOJOURN__AUTH__JWKS_URL": "identity",
    "SOJOURN__SERVICES__PAYMENTS_URL": "payments",
    "SOJOURN__SERVICES__BOOKING_URL": "booking",
    "SOJOURN__SERVICES__CATALOG_URL": "catalog",
    "SOJOURN__SERVICES__REVIEWS_URL": "reviews",
    "SOJOURN__SERVICES__TRAVEL_URL": "travel",
}


# Where search keeps its index (<data_dir>/search), or the data directory holding it.
INDEX_PATHS = ("/data", "/data/search")

MIB = 1024 * 1024
# server.body_limit_bytes's default, and media.max_request_upload_mb's and media.chunk_mb's.
DEFAULT_BODY_LIMIT = MIB
DEFAULT_MEDIA_REQUEST_MB = 100
DEFAULT_MEDIA_CHUNK_MB = 8
# Where media spools uploads on their way to the bucket (<data_dir>/spool), or the data directory.
SPOOL_PATHS = ("/data", "/data/spool")


def check_media_through_gateway(where, gateway_env, media_env):
    """The gateway forwards no body over its server.body_limit_bytes: media's one-request
    uploads and the pieces of chunked ones must fit, or they fail at the gateway with a 413
    that media never sees. `gateway.media_upstream`, when set, names a context with an upstream."""
    limit = int(gateway_env.get("SOJOURN__SERVER__BODY_LIMIT_BYTES", DEFAULT_BODY_LIMIT))
    for var, default in (("SOJOURN__MEDIA__MAX_REQUEST_UPLOAD_MB", DEFAULT_MEDIA_REQUEST_MB),
                         ("SOJOURN__MEDIA__CHUNK_MB", DEFAULT_MEDIA_CHUNK_MB)):
        size = int(media_env.get(var, default)) * MIB
        if size > limit:
            bad(f"{where}: the gateway's body limit ({limit} bytes) is below media's {var} ({size} bytes)")
    upstream = gateway_env.get("SOJOURN__GATEWAY__MEDIA_UPSTREAM")
    if upstream is not None and f"SOJOURN__GATEWAY__UPSTREAMS__{str(upstream).upper()}__URLS" not in gateway_env:
        bad(f"{where}: gateway.media_upstream `{upstream}` is not one of the gateway's upstreams")


def needs(only, env, multi_process):
    """What a process running `only` needs in `env` (a set of variable names) to start."""
    if only == ["gateway"]:
        req = [f"SOJOURN__GATEWAY__UPSTREAMS__{c.upper()}__URLS" for c in CONTEXTS]
        if "SOJOURN__AUTH__JWKS_URL" not in env:
            req.append("SOJOURN__SECRETS__JWT_SIGNING_KEY")
        return req
    req = []
    if "SOJOURN__MODE" in env:  # production: secrets are never generated
        if "SOJOURN__AUTH__JWKS_URL" not in env:
            req.append("SOJOURN__SECRETS__JWT_SIGNING_KEY")
        if "identity" in only:
            req.append("SOJOURN__SECRETS__IDENTITY_DATA_KEY")
        if "payments" in only or any(f"SOJOURN__SERVICES__{s}_URL" in env for s in ("PAYMENTS", "BOOKING", "CATALOG", "REVIEWS", "TRAVEL")):
            req.append("SOJOURN__SECRETS__INTERNAL_API_KEY")
        if "payments" in only:
            req.append("SOJOURN__SECRETS__PAYMENTS_WEBHOOK_SECRET")
        # Notifications signs unsubscribe links and web push (VAPID) with its own secrets, both
        # declared by the context (`Context::secrets`), so needed even with push turned off.
        if "notifications" in only:
            req += ["SOJOURN__SECRETS__NOTIFICATIONS_LINK_KEY", "SOJOURN__SECRETS__VAPID_PRIVATE_KEY"]
        # Travel starts without the key, but then mounts no supplier endpoints
        # (/internal/v1/supplier): a booking elsewhere could not price, book or cancel offers.
        if "travel" in only:
            req.append("SOJOURN__SECRETS__INTERNAL_API_KEY")
    # A process that names an SMS provider means Twilio (the outbox, the default, needs no
    # setting), which takes the auth token Twilio issued (a credential: no mode makes one up).
    if "notifications" in only and "SOJOURN__NOTIFICATIONS__SMS__PROVIDER" in env:
        req.append("SOJOURN__SECRETS__TWILIO_AUTH_TOKEN")
    if "SOJOURN__STORAGE__BACKEND" in env:
        req += ["SOJOURN__STORAGE__S3__ACCESS_KEY_ID", "SOJOURN__SECRETS__S3_SECRET_ACCESS_KEY"]
    if multi_process:
        # Every context of the process has a database: the shared URL, or its own each.
        own = all(f"SOJOURN__CONTEXTS__{c.upper()}__DATABASE_URL" in env for c in only)
        req += ["NATS_URL"] if own else ["DATABASE_URL", "NATS_URL"]
        if "identity" not in only:
            req.append("SOJOURN__AUTH__JWKS_URL")
        if "booking" in only and "payments" not in only:
            req.append("SOJOURN__SERVICES__PAYMENTS_URL")
        # Readers ask the owner of a record they have not heard of yet (425, not 404), and the
        # owner answers with the internal key.
        if "booking" in only and "catalog" not in only:
            req.append("SOJOURN__SERVICES__CATALOG_URL")
        # Booking's cart prices, books and cancels travel offers with the travel service.
        if "booking" in only and "travel" not in only:
            req.append("SOJOURN__SERVICES__TRAVEL_URL")
        if "payments" in only and "booking" not in only:
            req.append("SOJOURN__SERVICES__BOOKING_URL")
        # Search builds its index from the owners' feeds (listings: catalog; availability: booking;
        # ratings: reviews).
        if "search" in only:
            req += [f"SOJOURN__SERVICES__{o.upper()}_URL" for o in ("catalog", "booking", "reviews") if o not in only]
            # Replicas each keep an index: each needs its own consumers (and database).
            req.append("SOJOURN__CONTEXTS__SEARCH__INSTANCE")
        # Owners answer readers elsewhere (records, feeds) with the internal key.
        if "SOJOURN__MODE" in env and any(o in only for o in ("catalog", "booking", "reviews")):
            req.append("SOJOURN__SECRETS__INTERNAL_API_KEY")
    return req


def check_process(where, args, env, multi_process):
    if args[:1] not in (["serve"], ["migrate"]):
        bad(f"{where}: runs {args}, not `serve` or `migrate`")
        return None
    only = args[args.index("--only") + 1].split(",") if "--only" in args else list(CONTEXTS)
    if only != ["gateway"] and any(c not in CONTEXTS for c in only):
        bad(f"{where}: --only {only} names something that is not a context (or gateway alone)")
    if args[0] == "migrate":
        return only
    if "identity" in only and "SOJOURN__AUTH__JWKS_URL" in env:
        bad(f"{where}: identity refuses to start with SOJOURN__AUTH__JWKS_URL")
    for var in needs(only, env, multi_process):
        if var not in env:
            bad(f"{where} (--only {','.join(only)}) would not start or work: {var} is missing")
    return only


def url_target(url):
    u = urlparse(url)
    return u.hostname, u.port or 80


def check_compose():
    print("== compose")
    env_example = open("deploy/.env.example").read()
    for path, multi in [("deploy/docker-compose.yml", True), ("deploy/docker-compose.single.yml", False)]:
        text = open(path).read()
        services = yaml.safe_load(text).get("services", {})
        published = []
        sojourn = {n for n, s in services.items() if "build" in s and "deploy/Dockerfile" in str(s["build"])}
        for name, svc in services.items():
            if "image" not in svc and "build" not in svc:
                bad(f"{path}: service {name} has neither image nor build")
            deps = svc.get("depends_on", [])
            for dep in deps if isinstance(deps, list) else deps.keys():
                if dep not in services:
                    bad(f"{path}: {name} depends on unknown service {dep}")
            published += [str(p).split(":")[0] for p in svc.get("ports", [])]
            for vol in svc.get("volumes", []):
                src = str(vol).split(":")[0]
                if src.startswith("./") and not os.path.exists(os.path.join("deploy", src)):
                    bad(f"{path}: {name} mounts missing {src}")
            if name not in sojourn:
                continue
            env = svc.get("environment", {})
            only = check_process(f"{path}: {name}", svc.get("command", ["serve"]), set(env), multi)
            named = [str(v).split(":") for v in svc.get("volumes", []) if not str(v).startswith(("./", "/"))]
            if only and "search" in only and not any(t in INDEX_PATHS for _, t, *_ in named):
                bad(f"{path}: {name} runs search without a named volume on /data or /data/search (its index)")
            for var in SERVICE_URLS:
                if var in env:
                    host, port = url_target(env[var])
                    if host not in sojourn or port != 3000:
                        bad(f"{path}: {name}'s {var} points at {host}:{port}, not a Sojourn service on 3000")
            for c in CONTEXTS:
                for url in str(env.get(f"SOJOURN__GATEWAY__UPSTREAMS__{c.upper()}__URLS", "")).strip("[]").split(","):
                    if url.strip():
                        host, port = url_target(url.strip())
                        runs = services.get(host, {}).get("command", [])
                        if host not in sojourn or port != 3000 or c not in ",".join(runs):
                            bad(f"{path}: gateway upstream {c} -> {url} is not a service running {c} on 3000")
        runs_media = [n for n in sojourn if "media" in ",".join(services[n].get("command", ["serve"]))
                      or services[n].get("command", ["serve"]) == ["serve"]]
        gateways = [n for n in sojourn if services[n].get("command") == ["serve", "--only", "gateway"]]
        for gw in gateways:
            for m in runs_media:
                check_media_through_gateway(f"{path}: {gw} -> {m}", services[gw].get("environment", {}),
                                            services[m].get("environment", {}))
        if gateways:
            for m in runs_media:
                # Chunked uploads spool on the process receiving them: one container per spool.
                if services[m].get("deploy", {}).get("replicas", 1) != 1 or services[m].get("scale", 1) != 1:
                    bad(f"{path}: {m} runs media with several replicas: a chunked upload's pieces would scatter")
        if len(published) != len(set(published)):
            bad(f"{path}: a host port is published twice: {published}")
        for var in set(re.findall(r"\$\{([A-Z_]+):\?", text)):
            if not re.search(rf"^{var}=", env_example, re.M):
                bad(f"{path}: required ${{{var}}} is not in deploy/.env.example")
        print(f"   {path}: {len(services)} services, {len(sojourn)} Sojourn processes")


def check_statefulset(path, name, d, services):
    """A StatefulSet keeps state on its own volumes: its governing Service exists, and every
    volumeClaimTemplate is mounted (with the pod's fsGroup, so the non-root process can write)."""
    spec = d["spec"]
    if spec.get("serviceName") not in services:
        bad(f"{path}: StatefulSet {name}'s serviceName {spec.get('serviceName')} is not a Service")
    pod = spec["template"]["spec"]
    mounted = {m["name"] for c in pod["containers"] for m in c.get("volumeMounts", [])}
    claims = [t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", [])]
    for claim in claims:
        if claim not in mounted:
            bad(f"{path}: StatefulSet {name} claims volume {claim} but mounts it nowhere")
    if claims and "fsGroup" not in pod.get("securityContext", {}):
        bad(f"{path}: StatefulSet {name} needs an fsGroup to write its volumes as non-root")


def quantity(text):
    """A Kubernetes quantity in bytes (`10Gi`, `512Mi`, `1G`...), or None."""
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?", str(text))
    if not m:
        return None
    scale = {None: 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40,
             "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}[m.group(2)]
    return int(m.group(1)) * scale


def env_values(container, config):
    """The literal environment of a container that reads the ConfigMap (values from Secrets
    and fields are left out)."""
    values = dict(config) if any("configMapRef" in s for s in container.get("envFrom", [])) else {}
    values.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
    return values


def check_k8s_media(path, name, d, c, env, scaled):
    """Media spools uploads on the pod's own disk (<data_dir>/spool), and all pieces of a chunked
    upload must reach the pod holding its partial file: one replica, no HPA, and a writable
    volume there with room for the largest upload."""
    if d["kind"] != "Deployment" or d["spec"].get("replicas", 1) != 1 or name in scaled:
        bad(f"{path}: {name} runs media: it must be a Deployment of 1 replica without an HPA "
            "(a chunked upload's pieces must reach the pod holding it)")
    largest = min(int(env.get("SOJOURN__MEDIA__MAX_VIDEO_MB") or 4096),
                  int(env.get("SOJOURN__MEDIA__LISTING_QUOTA_MB") or 2048)) * MIB
    volumes = {v["name"]: v for v in d["spec"]["template"]["spec"].get("volumes", [])}
    mounts = {m["mountPath"]: volumes.get(m["name"], {}) for m in c.get("volumeMounts", [])}
    # The deepest mount holds it: /data/spool when it has a volume of its own.
    spool = [mounts[p] for p in SPOOL_PATHS[::-1] if p in mounts][:1]
    if not spool:
        bad(f"{path}: {name} runs media without a volume on /data or /data/spool (its upload spool)")
    for v in spool:
        size = quantity(v.get("emptyDir", {}).get("sizeLimit", "")) if "emptyDir" in v else None
        if "emptyDir" in v and (size is None or size < largest):
            bad(f"{path}: {name}'s upload spool needs an emptyDir sizeLimit of at least {largest} bytes "
                "(the largest upload)")


def check_k8s():
    print("== Kubernetes cross-references")
    docs = {}
    manifests = glob.glob("deploy/k8s/*.yaml") + glob.glob("deploy/k8s/roles/*.yaml")
    for path in [p for p in manifests if not p.endswith("kustomization.yaml")]:
        for d in load_all(path):
            docs[(d["kind"], d["metadata"].get("name"))] = (path, d)
    listed = set(load_all("deploy/k8s/kustomization.yaml")[0]["resources"])
    for path in manifests:
        rel = os.path.relpath(path, "deploy/k8s")
        if rel not in listed and rel not in ("kustomization.yaml", "secret.example.yaml"):
            bad(f"deploy/k8s/kustomization.yaml does not list {rel}")
    config = docs[("ConfigMap", "sojourn")][1]["data"]
    secrets = {name: set(d["stringData"]) for (kind, name), (_, d) in docs.items() if kind == "Secret"}
    deployments = {n: d for (k, n), (_, d) in docs.items() if k == "Deployment"}
    workloads = {n: d for (k, n), (_, d) in docs.items() if k in ("Deployment", "StatefulSet")}
    services = {n: d for (k, n), (_, d) in docs.items() if k == "Service"}
    grace = int(config.get("SOJOURN__SERVER__SHUTDOWN_GRACE_SECS", 10))
    scaled = {d["spec"]["scaleTargetRef"]["name"] for (k, _), (_, d) in docs.items() if k == "HorizontalPodAutoscaler"}
    media_envs, gateway_envs = [], []
    for (kind, name), (path, d) in docs.items():
        if kind not in ("Deployment", "StatefulSet", "Job"):
            continue
        if kind == "StatefulSet":
            check_statefulset(path, name, d, services)
        pod = d["spec"]["template"]["spec"]
        sc = pod.get("securityContext", {})
        if not sc.get("runAsNonRoot"):
            bad(f"{path}: {name} does not set runAsNonRoot")
        for c in pod["containers"]:
            csc = c.get("securityContext", {})
            if not (csc.get("readOnlyRootFilesystem") and csc.get("allowPrivilegeEscalation") is False
                    and csc.get("capabilities", {}).get("drop") == ["ALL"]):
                bad(f"{path}: {name} needs readOnlyRootFilesystem, no privilege escalation and all capabilities dropped")
            if "requests" not in c.get("resources", {}) or "memory" not in c["resources"].get("limits", {}):
                bad(f"{path}: {name} has no resource requests or memory limit")
            env = {e["name"] for e in c.get("env", [])}
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref and ref["key"] not in secrets.get(ref["name"], set()):
                    bad(f"{path}: {name} reads {ref['name']}/{ref['key']}, which secret.example.yaml does not have")
            for src in c.get("envFrom", []):
                if "configMapRef" in src:
                    if ("ConfigMap", src["configMapRef"]["name"]) not in docs:
                        bad(f"{path}: {name} reads a missing ConfigMap")
                    env |= set(config)
                if "secretRef" in src and src["secretRef"]["name"] not in secrets:
                    bad(f"{path}: {name} reads Secret {src['secretRef']['name']}, not in secret.example.yaml")
            only = check_process(f"{path}: {name}", c.get("args", []), env, multi_process=True)
            if kind == "Job":
                continue
            if only and "media" in only:
                check_k8s_media(path, name, d, c, env_values(c, config), scaled)
                media_envs.append((name, env_values(c, config)))
            if only == ["gateway"]:
                gateway_envs.append((name, env_values(c, config)))
            if only and "search" in only:
                claims = {t["metadata"]["name"] for t in d["spec"].get("volumeClaimTemplates", [])}
                on_claim = {m["mountPath"] for m in c.get("volumeMounts", []) if m["name"] in claims}
                if kind != "StatefulSet" or not on_claim & set(INDEX_PATHS):
                    bad(f"{path}: {name} runs search: it needs a StatefulSet with its own volume on /data/search")
            for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                if c.get(probe, {}).get("httpGet", {}).get("path") not in ("/health/live", "/health/ready"):
                    bad(f"{path}: {name} has no {probe} on /health/live or /health/ready")
            sleep = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
            if pod.get("terminationGracePeriodSeconds", 30) < sleep + grace + 3:
                bad(f"{path}: {name}'s terminationGracePeriodSeconds is below preStop + shutdown grace + flush")
            for e in c.get("env", []):
                if e["name"] in SERVICE_URLS:
                    host = url_target(e["value"])[0].split(".")[0]
                    if host not in services or host != SERVICE_URLS[e["name"]]:
                        bad(f"{path}: {name}'s {e['name']} points at {host}, not the {SERVICE_URLS[e['name']]} Service")
            if only == ["gateway"]:
                for ctx in CONTEXTS:
                    # A missing upstream is reported by check_process (needs).
                    for url in config.get(f"SOJOURN__GATEWAY__UPSTREAMS__{ctx.upper()}__URLS", "").split(","):
                        if not url.strip():
                            continue
                        host, port = url_target(url.strip())
                        svc = services.get(host.split(".")[0])
                        if not svc or port not in [p["port"] for p in svc["spec"]["ports"]] or host.split(".")[0] != ctx:
                            bad(f"config.yaml: gateway upstream {ctx} -> {url} is not the {ctx} Service")
    for gw, gw_env in gateway_envs:
        for m, m_env in media_envs:
            check_media_through_gateway(f"deploy/k8s: {gw} -> {m}", gw_env, m_env)
    for name, svc in services.items():
        sel = svc["spec"]["selector"]
        if not any(sel.items() <= d["spec"]["template"]["metadata"]["labels"].items() for d in workloads.values()):
            bad(f"Service {name} selects no Deployment's or StatefulSet's pods")
    for (kind, name), (path, d) in docs.items():
        if kind == "HorizontalPodAutoscaler":
            target = deployments.get(d["spec"]["scaleTargetRef"]["name"])
            if target is None:
                bad(f"{path}: HPA {name} scales a missing Deployment")
            elif "replicas" in target["spec"]:
                bad(f"{path}: Deployment {name} sets replicas, which every apply would impose over its HPA")
        if kind == "PodDisruptionBudget":
            sel = d["spec"]["selector"]["matchLabels"]
            if not any(sel.items() <= x["spec"]["template"]["metadata"]["labels"].items() for x in workloads.values()):
                bad(f"{path}: PDB {name} selects no pods")
        if kind == "Ingress":
            for rule in d["spec"]["rules"]:
                for p in rule["http"]["paths"]:
                    backend = p["backend"]["service"]
                    if backend["name"] != "gateway":
                        bad(f"{path}: the Ingress routes to {backend['name']}: only the gateway may be public")
    print(f"   {len(workloads)} Deployments and StatefulSets, {len(services)} Services, {len(docs)} objects")


def check_dockerfile():
    print("== Dockerfile")
    docker = open("deploy/Dockerfile").read()
    for src in re.findall(r"^COPY (?!--)(\S+)", docker, re.M):
        if not os.path.exists(src):
            bad(f"Dockerfile copies missing path {src}")
    members = re.findall(r'"([^"]+)"', re.search(r"members = \[(.*?)\]", open("Cargo.toml").read(), re.S).group(1))
    for member in members:
        if f"COPY {member}/Cargo.toml" not in docker:
            bad(f"Dockerfile does not copy {member}/Cargo.toml (the dependency layer would not build)")
        package = re.search(r'^name = "([^"]+)"', open(f"{member}/Cargo.toml").read(), re.M).group(1)
        if package != "bench" and f".fingerprint/{package}-*" not in docker:
            bad(f"Dockerfile does not drop the dummy build's fingerprint of {package} (the image would run the dummy)")
    for needle in ("USER nonroot", 'ENTRYPOINT ["/sojourn"]', "EXPOSE 3000", "--chown=65532:65532 /data /data",
                   "cargo build --release --locked -p sojourn"):
        if needle not in docker:
            bad(f"Dockerfile lacks `{needle}`")


def check_variables():
    print("== variables")
    config_doc = open("docs/configuration.md").read()
    code = "".join(open(p).read() for p in glob.glob("crates/*/src/**/*.rs", recursive=True))
    used = set()
    for path in glob.glob("deploy/**/*", recursive=True) + glob.glob("deploy/**/.*", recursive=True):
        if os.path.isfile(path) and not path.endswith((".json", ".py", ".pyc")):
            used |= set(re.findall(r"\b(SOJOURN__[A-Z0-9_]+[A-Z0-9])", open(path).read()))
    for var in sorted(used):
        parts = var.split("__")[1:]
        if parts[0] == "SECRETS":
            if f"`{var}`" not in config_doc and f"({var})" not in config_doc:
                bad(f"{var}: not a secret documented in docs/configuration.md")
            if f'"{parts[1].lower()}"' not in code:
                bad(f"{var}: no secret named {parts[1].lower()} in the code")
            continue
        if parts[:2] == ["GATEWAY", "UPSTREAMS"]:
            if parts[2].lower() not in CONTEXTS:
                bad(f"{var}: {parts[2].lower()} is not a context")
            parts = ["GATEWAY", "UPSTREAMS", "<CONTEXT>"] + parts[3:]
        if parts[0] == "CONTEXTS":
            parts = ["CONTEXTS", "<NAME>"] + parts[2:]
        key = ".".join(p if p.startswith("<") else p.lower() for p in parts)
        if f"`{key}`" not in config_doc.replace("<context>", "<CONTEXT>").replace("<name>", "<NAME>"):
            bad(f"{var}: `{key}` is not documented in docs/configuration.md")
    print(f"   {len(used)} variables checked")


def exported_metrics():
    """Each metric the code exports (`# TYPE` lines) with the label names written after it."""
    labels = {}
    for path in glob.glob("crates/*/src/**/*.rs", recursive=True):
        parts = re.split(r"# TYPE (sojourn_[a-z0-9_]+) ", open(path).read())
        for name, body in zip(parts[1::2], parts[2::2]):
            labels.setdefault(name, set()).update(re.findall(r'([a-z_]+)=\\"', body))
    return labels


def check_metrics():
    print("== dashboard and Prometheus")
    exported = exported_metrics()
    # Labels Prometheus sets on every series; a metric's own label of the same name becomes exported_<name>.
    taken = {"job", "instance"}
    for path in ("deploy/prometheus/prometheus.yml", "deploy/prometheus/kubernetes.yml"):
        text = open(path).read()
        targets = set(re.findall(r"labels: \{ (\w+):", text)) | set(re.findall(r"target_label: (\w+)", text))
        targets = {t for t in targets if not t.startswith("__")}
        for label in sorted(targets & set().union(*exported.values())):
            bad(f"{path}: target label `{label}` would overwrite the metrics' own `{label}` label")
        if "service" not in targets or "job_name: sojourn" not in text:
            bad(f"{path}: the dashboard needs job `sojourn` and a `service` target label")
        taken |= targets
    dash = json.load(open("deploy/grafana/dashboards/sojourn.json"))
    targets = [(p["title"], t) for p in dash["panels"] for t in p.get("targets", [])]
    for title, t in targets:
        used = set(re.findall(r"\{\{(\w+)\}\}", t.get("legendFormat", "")))
        used |= set(re.findall(r"(\w+)\s*=~?\"", t["expr"]))
        for group in re.findall(r"by \(([^)]*)\)", t["expr"]):
            used |= {g.strip() for g in group.split(",")}
        for metric in set(re.findall(r"\b(sojourn_[a-z0-9_]+)", t["expr"])):
            base = re.sub(r"_(bucket|sum|count)$", "", metric)
            if base not in exported:
                bad(f"dashboard `{title}` uses {metric}, which no code exports")
                continue
            for label in sorted(used & exported[base] & taken):
                bad(f"dashboard `{title}`: `{label}` of {base} arrives as exported_{label} (Prometheus sets its own)")
    uid = load_all("deploy/grafana/provisioning/datasources/prometheus.yml")[0]["datasources"][0]["uid"]
    ds_var = [v for v in dash["templating"]["list"] if v["type"] == "datasource"]
    if not ds_var or ds_var[0]["current"]["value"] != uid:
        bad(f"dashboard's datasource variable does not default to the provisioned uid {uid}")
    print(f"   {len(targets)} queries over {len(exported)} exported metrics")


def check_docs():
    if "docs/deployment.md" not in open("README.md").read():
        bad("README.md does not link docs/deployment.md")
    if "deploy/check.sh" not in open("docs/deployment.md").read():
        bad("docs/deployment.md does not mention deploy/check.sh")


parse_everything()
check_compose()
check_k8s()
check_dockerfile()
check_variables()
check_metrics()
check_docs()
if problems:
    print("\nPROBLEMS:")
    for p in problems:
        print(" -", p)
    sys.exit(1)
print("\ndeploy/ is consistent")
