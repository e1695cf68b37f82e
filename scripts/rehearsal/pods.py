"""Pods as the kubelet would build them from the rendered workloads: names, loopback IPs, volumes at
their mount paths, env (literals, ConfigMap/Secret keys, downward API), command lines. All static:
every mismatch is found here, before a process starts."""
import math
import os
import re
import stat

from render import DOCKERFILES, Dockerfile, RehearsalError, image_name, name_of

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job")
# What the .NET runtime images set for every container (mcr.microsoft.com/dotnet/aspnet).
BASE_IMAGE_ENV = {"DOTNET_RUNNING_IN_CONTAINER": "true", "APP_UID": "1654"}


def quantity(text):
    """A Kubernetes quantity as a number (cores or bytes)."""
    match = re.fullmatch(r"([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?", str(text))
    if not match:
        raise RehearsalError(f"quantity '{text}' is not understood")
    factor = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
              "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}[match.group(2)]
    return float(match.group(1)) * factor


class Container:
    def __init__(self, pod, spec, init):
        self.pod = pod
        self.spec = spec
        self.name = spec["name"]
        self.init = init
        self.id = f"{pod.workload_id} container {self.name}"
        self.root = os.path.join(pod.root, self.name)
        self.mounts = []          # (mountPath, host folder, volume name, projected keys or None)
        self.env = {}
        self.argv = []
        self.cwd = self.root
        self.image = image_name(spec.get("image", ""))
        self.dockerfile = None

    def host_path(self, path):
        """Where an absolute path of the container lies on this machine, if under a mount."""
        for mount_path, folder, _, _ in sorted(self.mounts, key=lambda m: -len(m[0])):
            if path == mount_path or path.startswith(mount_path.rstrip("/") + "/"):
                return folder + path[len(mount_path.rstrip("/")):]
        return None


class Pod:
    def __init__(self, plan, workload, index):
        self.workload = workload
        self.kind = workload["kind"]
        self.workload_id = f"{self.kind}/{name_of(workload)}"
        base = name_of(workload)
        self.name = f"{base}-{index}" if self.kind == "StatefulSet" else f"{base}-rehearsal{index}"
        self.template = workload["spec"]["template"]
        self.spec = self.template["spec"]
        self.labels = self.template.get("metadata", {}).get("labels", {}) or {}
        self.annotations = self.template.get("metadata", {}).get("annotations", {}) or {}
        self.namespace = workload.get("metadata", {}).get("namespace", "default")
        self.ip = plan.next_pod_ip()
        self.root = os.path.join(plan.work, "pods", self.name)
        self.volumes = {}
        self.init_containers = [Container(self, c, True) for c in self.spec.get("initContainers", []) or []]
        self.containers = [Container(self, c, False) for c in self.spec.get("containers", []) or []]

    def field(self, path, wanted_by):
        match = re.fullmatch(r"metadata\.(labels|annotations)\['([^']+)'\]", path)
        if match:
            source = self.labels if match.group(1) == "labels" else self.annotations
            if match.group(2) not in source:
                raise RehearsalError(f"{wanted_by}: fieldRef {path}: the pod has no {match.group(1)[:-1]} '{match.group(2)}'")
            return str(source[match.group(2)])
        values = {"metadata.name": self.name, "metadata.namespace": self.namespace,
                  "metadata.uid": f"rehearsal-{self.name}", "spec.nodeName": "rehearsal-node",
                  "spec.serviceAccountName": self.spec.get("serviceAccountName", "default"),
                  "status.podIP": self.ip, "status.podIPs": self.ip, "status.hostIP": "127.0.0.1"}
        if path not in values:
            raise RehearsalError(f"{wanted_by}: fieldRef {path} is not a downward-API field")
        return values[path]


class Plan:
    """Every pod of the rendered workloads, resolved."""

    def __init__(self, root, work, objects, ip_prefix):
        self.root = root
        self.work = work
        self.objects = objects
        self.ip_prefix = ip_prefix
        self._pod_ips = 0
        self.pods = []
        self.services = {}  # name -> Service

    def next_pod_ip(self):
        self._pod_ips += 1
        return f"{self.ip_prefix}.1.{self._pod_ips}"

    def add_workloads(self, docs):
        added = []
        for doc in docs:
            if doc.get("kind") not in WORKLOAD_KINDS:
                continue
            replicas = 1 if doc["kind"] == "Job" else int(doc["spec"].get("replicas", 1))
            for index in range(replicas):
                pod = Pod(self, doc, index)
                self.pods.append(pod)
                added.append(pod)
        return added

    def dockerfile(self, container):
        relative = DOCKERFILES.get(container.image)
        return Dockerfile(self.root, relative) if relative else None


def resolve_volumes(plan, pod):
    """Each volume as a folder on this machine: ConfigMap/Secret keys as files, PVCs shared between pods."""
    for volume in pod.spec.get("volumes", []) or []:
        name = volume["name"]
        wanted_by = f"{pod.workload_id} volume {name}"
        if "configMap" in volume or "secret" in volume:
            is_secret = "secret" in volume
            source = volume["secret" if is_secret else "configMap"]
            ref = source.get("secretName" if is_secret else "name")
            data = plan.objects.secret(ref, wanted_by) if is_secret else plan.objects.config_map(ref, wanted_by)
            items = source.get("items")
            files = {}
            if items:
                for item in items:
                    if item["key"] not in data:
                        kind = "Secret" if is_secret else "ConfigMap"
                        raise RehearsalError(f"{wanted_by}: {kind} '{ref}' has no key '{item['key']}' (keys: {', '.join(sorted(data))})")
                    files[item["path"]] = data[item["key"]]
            else:
                files = dict(data)
            pod.volumes[name] = ("projected", files, source.get("defaultMode", 0o644))
        elif "persistentVolumeClaim" in volume:
            claim = volume["persistentVolumeClaim"]["claimName"]
            if claim not in plan.objects.pvcs:
                raise RehearsalError(f"{wanted_by}: PersistentVolumeClaim '{claim}' is not in the rendered manifests")
            pod.volumes[name] = ("folder", os.path.join(plan.work, "volumes", claim), None)
        elif "emptyDir" in volume:
            pod.volumes[name] = ("folder", os.path.join(pod.root, "emptyDir", name), None)
        else:
            raise RehearsalError(f"{wanted_by}: volume type {sorted(volume)} is not rehearsed")
    for template in pod.workload["spec"].get("volumeClaimTemplates", []) or []:
        claim = f"{name_of(template)}-{pod.name}"
        pod.volumes[name_of(template)] = ("folder", os.path.join(plan.work, "volumes", claim), None)


def materialize(container, rewrite_text):
    """Creates the container's mount folders; projected files are written per container, with the
    container's paths rewritten in text files (so that a config file naming a mount path finds it)."""
    pod = container.pod
    for mount in container.spec.get("volumeMounts", []) or []:
        name = mount["name"]
        if name not in pod.volumes:
            raise RehearsalError(f"{container.id}: volumeMount '{name}' names no volume of the pod")
        kind, payload, mode = pod.volumes[name]
        target = os.path.join(container.root, "mounts", name + "-" + mount.get("subPath", "").replace("/", "_"))
        if kind == "folder":
            folder = os.path.join(payload, mount["subPath"]) if mount.get("subPath") else payload
            os.makedirs(folder, exist_ok=True)
            container.mounts.append((mount["mountPath"], folder, name, None))
        else:
            container.mounts.append((mount["mountPath"], target, name, set(payload)))
    for mount_path, target, name, keys in container.mounts:
        if keys is None:
            continue
        _, files, mode = pod.volumes[name]
        os.makedirs(target, exist_ok=True)
        for key, content in files.items():
            path = os.path.join(target, key)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            try:
                content = rewrite_text(content.decode()).encode()
            except UnicodeDecodeError:
                pass
            with open(path, "wb") as f:
                f.write(content)
            os.chmod(path, (mode & 0o777) | stat.S_IRUSR)


def resolve_env(plan, container):
    """The container's env as the kubelet builds it: image ENV, envFrom, env (later wins), $(VAR)."""
    pod = container.pod
    env = dict(BASE_IMAGE_ENV)
    if container.dockerfile:
        env.update(container.dockerfile.env)
    image_env = dict(env)
    for source in container.spec.get("envFrom", []) or []:
        prefix = source.get("prefix", "")
        if "configMapRef" in source:
            ref = source["configMapRef"]
            data = plan.objects.config_map(ref["name"], f"{container.id} envFrom")
        else:
            ref = source["secretRef"]
            data = plan.objects.secret(ref["name"], f"{container.id} envFrom")
        for key, value in data.items():
            env[prefix + key] = value.decode()
    for variable in container.spec.get("env", []) or []:
        name = variable["name"]
        wanted_by = f"{container.id} env {name}"
        source = variable.get("valueFrom")
        if source is None:
            env[name] = expand(str(variable.get("value", "")), env)
        elif "fieldRef" in source:
            env[name] = pod.field(source["fieldRef"]["fieldPath"], wanted_by)
        elif "resourceFieldRef" in source:
            env[name] = resource_field(pod, container, source["resourceFieldRef"], wanted_by)
        elif "configMapKeyRef" in source or "secretKeyRef" in source:
            is_secret = "secretKeyRef" in source
            ref = source["secretKeyRef" if is_secret else "configMapKeyRef"]
            data = plan.objects.secret(ref["name"], wanted_by) if is_secret else plan.objects.config_map(ref["name"], wanted_by)
            if ref["key"] not in data:
                if ref.get("optional"):
                    continue
                kind = "Secret" if is_secret else "ConfigMap"
                raise RehearsalError(f"{wanted_by}: {kind} '{ref['name']}' has no key '{ref['key']}'")
            env[name] = data[ref["key"]].decode()
        else:
            raise RehearsalError(f"{wanted_by}: valueFrom {sorted(source)} is not rehearsed")
    container.image_env_names = {k for k, v in image_env.items() if env.get(k) == v}
    return env


def resource_field(pod, container, ref, wanted_by):
    target = ref.get("containerName", container.name)
    spec = next((c for c in pod.spec.get("containers", []) if c["name"] == target), None)
    if spec is None:
        raise RehearsalError(f"{wanted_by}: resourceFieldRef names container '{target}', which the pod lacks")
    kind, _, resource = ref["resource"].partition(".")
    value = (spec.get("resources", {}).get(kind) or {}).get(resource)
    if value is None:  # no limit: the node's allocatable, as the kubelet reports it
        value = os.cpu_count() if resource == "cpu" else os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return str(math.ceil(quantity(value) / quantity(ref.get("divisor", "1"))))


def expand(text, env):
    """$(VAR) from the env defined so far; $$(VAR) escapes; unknown references stay as written."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), text)


def resolve_argv(container):
    """Kubernetes' rule: command replaces ENTRYPOINT (and drops CMD); args replace CMD."""
    spec, image = container.spec, container.dockerfile
    if "command" in spec:
        argv = list(spec["command"]) + list(spec.get("args", []))
    elif image is None:
        raise RehearsalError(f"{container.id}: image {container.image} is not built here and the manifest sets no command")
    else:
        argv = list(image.entrypoint) + list(spec.get("args", image.cmd))
    if not argv:
        raise RehearsalError(f"{container.id}: nothing to run")
    return [expand(str(a), container.env) for a in argv]
