#!/usr/bin/env bash
# Validates deploy/ without a container engine: every YAML/JSON file parses; the Kubernetes
# manifests pass a strict schema check (kubernetes-validate, installed from PyPI when missing);
# the compose files are consistent (images or builds, depends_on targets, unique published
# ports, every required variable in .env.example); the Dockerfile copies paths that exist and
# every workspace crate; every Sojourn variable used is one the binary knows. Exit 1 on any
# problem.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import yaml' 2>/dev/null || pip install -q pyyaml
command -v kubernetes-validate >/dev/null || pip install -q kubernetes-validate

echo "== Kubernetes schemas (strict)"
kubernetes-validate --strict --quiet deploy/k8s/*.yaml

python3 - <<'PY'
import glob, json, os, re, sys, yaml

problems = []
def bad(msg):
    problems.append(msg)

print("== parse")
for path in sorted(glob.glob("deploy/**/*.y*ml", recursive=True)):
    try:
        list(yaml.safe_load_all(open(path)))
    except Exception as e:
        bad(f"{path}: {e}")
for path in sorted(glob.glob("deploy/**/*.json", recursive=True)):
    try:
        json.load(open(path))
    except Exception as e:
        bad(f"{path}: {e}")

print("== compose")
env_example = open("deploy/.env.example").read()
for path in ["deploy/docker-compose.yml", "deploy/docker-compose.single.yml"]:
    text = open(path).read()
    doc = yaml.safe_load(text)
    services = doc.get("services", {})
    published = []
    for name, svc in services.items():
        if "image" not in svc and "build" not in svc:
            bad(f"{path}: service {name} has neither image nor build")
        deps = svc.get("depends_on", [])
        for dep in (deps if isinstance(deps, list) else deps.keys()):
            if dep not in services:
                bad(f"{path}: {name} depends on unknown service {dep}")
        for port in svc.get("ports", []):
            published.append(str(port).split(":")[0])
        for vol in svc.get("volumes", []):
            src = str(vol).split(":")[0]
            if src.startswith("./") and not os.path.exists(os.path.join("deploy", src)):
                bad(f"{path}: {name} mounts missing {src}")
    if len(published) != len(set(published)):
        bad(f"{path}: a host port is published twice: {published}")
    for var in set(re.findall(r"\$\{([A-Z_]+):\?", text)):
        if not re.search(rf"^{var}=", env_example, re.M):
            bad(f"{path}: required ${{{var}}} is not in deploy/.env.example")

print("== Dockerfile")
docker = open("deploy/Dockerfile").read()
for src in re.findall(r"^COPY (?!--from)(\S+)", docker, re.M):
    if not os.path.exists(src):
        bad(f"Dockerfile copies missing path {src}")
members = re.search(r"members = \[(.*?)\]", open("Cargo.toml").read(), re.S).group(1)
for member in re.findall(r'"([^"]+)"', members):
    if f"COPY {member}/Cargo.toml" not in docker:
        bad(f"Dockerfile does not copy {member}/Cargo.toml (the dependency layer would not build)")

print("== variables")
config_doc = open("docs/configuration.md").read()
contexts = ["identity", "notifications", "catalog", "booking", "payments"]
secrets = set(re.findall(r'const [A-Z0-9_]+: &str = "([a-z0-9_]+)"', "".join(
    open(p).read() for p in glob.glob("crates/*/src/**/*.rs", recursive=True) if "secret" in open(p).read().lower())))
secrets |= {"jwt_signing_key"}
used = set()
for path in glob.glob("deploy/**/*", recursive=True):
    if os.path.isfile(path) and not path.endswith(".json"):
        used |= set(re.findall(r"\b(SOJOURN__[A-Z0-9_]+)", open(path).read()))
for var in sorted(used):
    parts = var.split("__")[1:]
    if parts[0] == "SECRETS":
        if parts[1].lower() not in secrets:
            bad(f"{var}: unknown secret {parts[1].lower()}")
        continue
    if parts[0] == "GATEWAY" and parts[1] == "UPSTREAMS":
        if parts[2].lower() not in contexts:
            bad(f"{var}: {parts[2].lower()} is not a context")
        continue
    if parts[0] == "CONTEXTS":
        parts = ["CONTEXTS", "<NAME>"] + parts[2:]
    key = ".".join(p.lower() for p in parts)
    if f"`{key}`" not in config_doc:
        bad(f"{var}: `{key}` is not documented in docs/configuration.md")
print(f"   {len(used)} variables checked")

if problems:
    print("\nPROBLEMS:")
    for p in problems:
        print(" -", p)
    sys.exit(1)
print("\ndeploy/ is consistent")
PY
