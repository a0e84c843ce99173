#!/usr/bin/env bash
# Validates deploy/ without a container engine or a cluster, and exits 1 on any problem:
#   - the Kubernetes manifests, and what kustomize renders from them, pass a strict schema check
#     (kubernetes-validate bundles the schemas: no network needed);
#   - the compose files pass the Compose Specification schema (vendored in check-jsonschema);
#   - deploy/check.py: every YAML/JSON parses, cross-references hold, every process gets what
#     the binary needs to start in production mode, the Dockerfile matches the workspace, every
#     variable is a documented key, the dashboard only uses metrics the code exports.
# The validators are installed from PyPI when missing, at pinned versions.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { # need <command> <pip requirement>
    command -v "$1" >/dev/null || pip install -q "$2"
}
python3 -c 'import yaml' 2>/dev/null || pip install -q pyyaml
need kubernetes-validate kubernetes-validate==1.37.0
need check-jsonschema check-jsonschema==0.39.0

echo "== Kubernetes schemas (strict: unknown fields are errors)"
# kustomization.yaml is kustomize's own format, not a Kubernetes object: it is checked by rendering.
manifests=$(ls deploy/k8s/*.yaml deploy/k8s/roles/*.yaml | grep -v '/kustomization.yaml$')
# shellcheck disable=SC2086
kubernetes-validate --strict --quiet $manifests

if command -v kubectl >/dev/null; then
    echo "== kustomize render (kubectl kustomize deploy/k8s) and its schemas"
    rendered=$(mktemp --suffix=.yaml)
    trap 'rm -f "$rendered"' EXIT
    kubectl kustomize deploy/k8s >"$rendered"
    kubernetes-validate --strict --quiet "$rendered"
    echo "   $(grep -c '^kind:' "$rendered") objects rendered"
else
    echo "== kustomize render: skipped (no kubectl on this machine)"
fi

echo "== Compose Specification schema"
check-jsonschema --builtin-schema vendor.compose-spec deploy/docker-compose.yml deploy/docker-compose.single.yml

python3 deploy/check.py
