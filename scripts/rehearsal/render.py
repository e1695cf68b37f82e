"""Rendering and the objects pods refer to: kubectl kustomize output, ConfigMaps, Secrets (rendered and
external), PVCs, Services and the images' Dockerfiles."""
import base64
import json
import os
import re
import secrets as random_source
import shutil
import subprocess
import tempfile

import yaml


class RehearsalError(Exception):
    """A mismatch the rehearsal found; its message names what and where."""


def kustomize(root, folder):
    path = folder if os.path.isabs(folder) else os.path.join(root, folder)
    result = subprocess.run(["kubectl", "kustomize", path], capture_output=True, text=True)
    if result.returncode != 0:
        raise RehearsalError(f"kubectl kustomize {folder} failed: {result.stderr.strip()}")
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def name_of(doc):
    return doc.get("metadata", {}).get("name", "?")


class Objects:
    """Everything in the rendered manifests that a pod can refer to, by kind and name."""

    def __init__(self, docs, root, secret_file):
        self.docs = docs
        self.config_maps = {}
        self.secrets = {}
        self.pvcs = {}
        self.services = {}
        for doc in docs:
            kind = doc.get("kind")
            if kind == "ConfigMap":
                data = {k: v.encode() for k, v in (doc.get("data") or {}).items()}
                data.update({k: base64.b64decode(v) for k, v in (doc.get("binaryData") or {}).items()})
                self.config_maps[name_of(doc)] = data
            elif kind == "Secret":
                data = {k: base64.b64decode(v) for k, v in (doc.get("data") or {}).items()}
                data.update({k: str(v).encode() for k, v in (doc.get("stringData") or {}).items()})
                self.secrets[name_of(doc)] = data
            elif kind == "PersistentVolumeClaim":
                self.pvcs[name_of(doc)] = doc
            elif kind == "Service":
                self.services[name_of(doc)] = doc
        self.secret_file = secret_file
        self.external = load_external_secrets(root, secret_file)

    def secret(self, name, wanted_by):
        """A Secret's data: rendered, else created the way docs/deploy.md creates it (the secrets file)."""
        if name in self.secrets:
            return self.secrets[name]
        if name in self.external:
            self.secrets[name] = self.external[name]()
            return self.secrets[name]
        raise RehearsalError(
            f"{wanted_by}: Secret '{name}' is neither in the rendered manifests nor among the external "
            f"Secrets created before the first apply ({', '.join(sorted(self.external)) or 'none'}; "
            f"{self.secret_file})")

    def config_map(self, name, wanted_by):
        if name not in self.config_maps:
            raise RehearsalError(
                f"{wanted_by}: ConfigMap '{name}' is not in the rendered manifests "
                f"(there are: {', '.join(sorted(self.config_maps))})")
        return self.config_maps[name]


def load_external_secrets(root, secret_file):
    """scripts/rehearsal/secrets.yaml: each Secret an operator creates by hand, and how the rehearsal makes one
    like it: a key with `random_hex: N` (N random bytes, hex), or `generate: COMMAND` (run from the
    repository root with $SECRET_DIR set; every file it leaves there becomes a key, as with
    `kubectl create secret generic NAME --from-file=DIR`)."""
    path = os.path.join(root, secret_file)
    with open(path) as f:
        spec = yaml.safe_load(f) or {}
    makers = {}
    for entry in spec.get("secrets", []):
        makers[entry["name"]] = lambda entry=entry: make_secret(root, entry)
    return makers


def make_secret(root, entry):
    data = {}
    for key, how in (entry.get("keys") or {}).items():
        if "random_hex" in how:
            data[key] = random_source.token_hex(int(how["random_hex"])).encode()
        else:
            raise RehearsalError(f"scripts/rehearsal/secrets.yaml: Secret {entry['name']} key {key}: unknown source {how}")
    if "generate" in entry:
        folder = tempfile.mkdtemp(prefix="rehearsal-secret-")
        try:
            env = dict(os.environ, SECRET_DIR=folder)
            result = subprocess.run(["/bin/sh", "-c", entry["generate"]], cwd=root, env=env, capture_output=True, text=True)
            if result.returncode != 0:
                raise RehearsalError(f"Secret {entry['name']}: '{entry['generate']}' failed: {result.stderr.strip()}")
            for file in sorted(os.listdir(folder)):
                with open(os.path.join(folder, file), "rb") as f:
                    data[file] = f.read()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return data


# Which Dockerfile builds which image (the docker build lines in docs/deploy.md).
DOCKERFILES = {
    "hypersearch-silo": "silo/Dockerfile",
    "hypersearch-silo-gpu": "silo/Dockerfile.gpu",
    "hypersearch-cli": "client/Dockerfile",
}


def image_name(image):
    """registry/name:tag@digest -> name."""
    last = image.split("/")[-1]
    return re.split(r"[:@]", last)[0]


class Dockerfile:
    """The final stage of a Dockerfile: WORKDIR, ENV, ENTRYPOINT, CMD, and the project it publishes."""

    def __init__(self, root, relative):
        self.path = relative
        with open(os.path.join(root, relative)) as f:
            text = re.sub(r"\\\n", " ", f.read())
        self.workdir = "/"
        self.env = {}
        self.entrypoint = []
        self.cmd = []
        self.project = None
        self.publish_properties = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            word, _, rest = line.partition(" ")
            word = word.upper()
            if word == "FROM":
                self.workdir, self.env, self.entrypoint, self.cmd = "/", {}, [], []
            elif word == "WORKDIR":
                self.workdir = rest.strip()
            elif word == "ENV":
                for key, value in re.findall(r"(\w+)=(\"[^\"]*\"|\S+)", rest):
                    self.env[key] = value.strip('"')
            elif word == "ENTRYPOINT":
                self.entrypoint, self.cmd = json.loads(rest), []
            elif word == "CMD":
                self.cmd = json.loads(rest)
            elif word == "RUN" and "dotnet publish" in rest:
                publish = rest[rest.index("dotnet publish"):].split()
                self.project = publish[2]
                self.publish_properties = [a for a in publish if a.startswith("-p:")]
        if not self.entrypoint and not self.cmd:
            raise RehearsalError(f"{relative}: no ENTRYPOINT or CMD in the final stage")
        if self.project is None:
            raise RehearsalError(f"{relative}: no `dotnet publish` in its build stage")
