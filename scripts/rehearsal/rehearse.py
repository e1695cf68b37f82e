"""scripts/k8s-rehearsal.sh OVERLAY: a kubectl deploy of k8s/overlays/OVERLAY plus k8s/search, rehearsed
on one machine with local processes. See the header of scripts/k8s-rehearsal.sh and docs/deploy.md."""
import argparse
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import yaml  # noqa: E402
from network import Proxy, Rewriter, Service, check_services, port_free, service_pattern  # noqa: E402
from pods import Plan, materialize, resolve_argv, resolve_env, resolve_volumes  # noqa: E402
from publish import publish, publish_dir  # noqa: E402
from render import Objects, RehearsalError, kustomize  # noqa: E402
from runtime import Runtime, log_tail, probe  # noqa: E402
import checks  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SILO_IMAGES = ("hypersearch-silo", "hypersearch-silo-gpu")
CLI_IMAGE = "hypersearch-cli"


def main():
    parser = argparse.ArgumentParser(prog="k8s-rehearsal.sh")
    parser.add_argument("overlay", help="cpu, gpu, or a kustomization folder")
    parser.add_argument("--search", default="k8s/search", help="the search Job's kustomization (default k8s/search)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, volumes)")
    parser.add_argument("--check-only", action="store_true", help="resolve and check everything, start nothing")
    parser.add_argument("--patch", help="a YAML list of changes to the rendered objects (tests break one thing at a time)")
    parser.add_argument("--ready-timeout", type=int, default=int(os.environ.get("REHEARSAL_READY_TIMEOUT", "420")))
    parser.add_argument("--search-timeout", type=int, default=int(os.environ.get("REHEARSAL_SEARCH_TIMEOUT", "600")))
    args = parser.parse_args()
    folder = args.overlay if "/" in args.overlay else f"k8s/overlays/{args.overlay}"
    result = {"overlay": args.overlay, "processes": 0, "search_state": None, "search_id": None,
              "silo_cluster_id": None, "client_cluster_id": None, "passed": False}
    # SIGTERM (a CI timeout) unwinds like Ctrl-C, so that the finally below stops every process it started.
    signal.signal(signal.SIGTERM, interrupted)
    work = tempfile.mkdtemp(prefix="k8s-rehearsal-")
    # Secrets generated from one set of certificates (scripts/rehearsal/secrets.yaml) share this folder.
    os.environ["REHEARSAL_WORK"] = work
    runtime = Runtime(os.path.join(work, "logs"))
    os.makedirs(runtime.logs)
    proxies = []
    try:
        rehearse(folder, args, work, runtime, proxies, result)
        result["passed"] = result["search_state"] == "completed" or (args.check_only and "error" not in result)
        if not result["passed"]:
            log(f"FAIL: the search ended {result['search_state']}")
    except RehearsalError as e:
        result["error"] = str(e).splitlines()[0]
        log(f"FAIL: {e}")
    except KeyboardInterrupt:
        result["error"] = "interrupted"
        log("interrupted: stopping every process")
    finally:
        runtime.stop_all()
        result["processes"] = len(runtime.processes)
        for proxy in proxies:
            proxy.close()
        if args.keep:
            log(f"work folder (logs, volumes): {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result), flush=True)
    return 0 if result["passed"] else 1


def interrupted(*_):
    raise KeyboardInterrupt


def log(message):
    print(f"k8s-rehearsal: {message}", file=sys.stderr, flush=True)


def rehearse(folder, args, work, runtime, proxies, result):
    log(f"rendering {folder} and {args.search}")
    cluster_docs = kustomize(ROOT, folder)
    search_docs = kustomize(ROOT, args.search)
    if args.patch:
        apply_patches(cluster_docs + search_docs, args.patch)
    objects = Objects(cluster_docs + search_docs, ROOT, "scripts/rehearsal/secrets.yaml")
    override_spec(objects)
    plan = Plan(ROOT, work, objects, os.environ.get("REHEARSAL_LOOPBACK_PREFIX", "127.77"))
    cluster_pods = plan.add_workloads(cluster_docs)
    search_pods = plan.add_workloads(search_docs)
    services = {}
    for index, doc in enumerate(d for d in cluster_docs + search_docs if d.get("kind") == "Service"):
        service = Service(doc, f"{plan.ip_prefix}.2.{index + 1}", plan.pods)
        services[service.name] = service
    check_services(services)
    pattern = service_pattern(services)

    # Static resolution: every reference, path, port and id, before anything starts.
    for pod in plan.pods:
        pod.ready, pod.started = False, False
        resolve_volumes(plan, pod)
        for container in pod.init_containers + pod.containers:
            prepare(plan, container, services, pattern)
    result["client_cluster_id"] = checks.cluster_ids(ROOT, plan.pods, SILO_IMAGES, CLI_IMAGE)
    checks.bind_ports(plan.pods, services, port_free)
    log(f"{len(plan.pods)} pods, {len(services)} Services resolved")
    with open(os.path.join(work, "pods.json"), "w") as f:
        json.dump([{"pod": p.name, "ip": p.ip, "container": c.name, "argv": c.argv, "cwd": c.cwd, "env": c.env}
                   for p in plan.pods for c in p.init_containers + p.containers], f, indent=1)
    if args.check_only:
        result["search_state"] = "not run (--check-only)"
        return
    for dockerfile in {c.dockerfile.path: c.dockerfile for p in plan.pods for c in p.containers if c.dockerfile}.values():
        publish(ROOT, dockerfile, log)

    seed_volumes(work)
    for service in services.values():
        if not service.headless:
            proxies.extend(Proxy(service, port) for port in service.ports)
    start = time.monotonic()
    deadline = start + args.ready_timeout
    for pod in cluster_pods:
        runtime.run_pod(pod, deadline)
    wait_ready(runtime, cluster_pods, deadline)
    log(f"every workload ready after {time.monotonic() - start:.0f} s; running the search Job")
    result["silo_cluster_id"] = checks.silo_cluster_id(plan.pods, SILO_IMAGES)

    search_deadline = time.monotonic() + args.search_timeout
    for pod in search_pods:
        runtime.run_pod(pod, search_deadline)
    for pod in search_pods:
        result.update(checks.job_outcome(runtime, pod, search_deadline, cluster_pods))


def prepare(plan, container, services, pattern):
    container.dockerfile = plan.dockerfile(container)
    lazy = []  # built once materialize has laid out every mount, before it writes the first file

    def rewrite_file(text):
        if not lazy:
            lazy.append(Rewriter(container, services, pattern))
        return lazy[0](text, " (mounted file)")
    materialize(container, rewrite_file)
    if container.dockerfile:
        # The image's files: WORKDIR is where `dotnet publish` put them (filled in after the static checks).
        container.cwd = publish_dir(ROOT, container.dockerfile)
        container.mounts.append((container.dockerfile.workdir, container.cwd, "image", None))
    env = resolve_env(plan, container)
    if container.image in SILO_IMAGES:
        # The one documented difference: no API server here, so Orleans' Kubernetes agent is off. The gpu
        # image's trainers run on the CPU.
        env["HyperSearch__Kubernetes"] = "false"
        if container.image == "hypersearch-silo-gpu":
            env["HyperSearch__Training__Device"] = "cpu"
    container.env = env
    container.argv = resolve_argv(container)
    checks.paths(container, env, container.argv)
    rewriter = Rewriter(container, services, pattern)
    container.env = {k: rewriter(v, f" env {k}") for k, v in env.items()}
    container.argv = [rewriter(a, " command/args") for a in container.argv]
    container.env.update({"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.path.join(container.root, "home")})
    tmp = container.host_path("/tmp")
    container.env["TMPDIR"] = tmp or os.path.join(container.root, "tmp")
    for folder in (container.env["HOME"], container.env["TMPDIR"]):
        os.makedirs(folder, exist_ok=True)
    container.rewrite = rewriter


def apply_patches(docs, path):
    """Each change: target Kind/name (a generated name matches without its hash), a path of keys, list indices
    or name=VALUE list selectors, and a value to set (or remove: true)."""
    with open(path) as f:
        changes = yaml.safe_load(f)
    for change in changes:
        kind, _, name = change["target"].partition("/")
        matches = [d for d in docs if d.get("kind") == kind and re.fullmatch(re.escape(name) + r"(-[a-z0-9]{10})?", d["metadata"]["name"])]
        if len(matches) != 1:
            raise RehearsalError(f"--patch: {len(matches)} objects match {change['target']}")
        node, steps = matches[0], change["path"].strip("/").split("/")
        for step in steps[:-1]:
            node = select(node, step, change)
        last = steps[-1]
        if change.get("remove"):
            node.pop(last) if isinstance(node, dict) else node.remove(select(node, last, change))
        else:
            node[last if isinstance(node, dict) else int(last)] = change["value"]


def select(node, step, change):
    if isinstance(node, list):
        if "=" in step:
            key, _, value = step.partition("=")
            found = [n for n in node if str(n.get(key)) == value]
            if not found:
                raise RehearsalError(f"--patch {change['target']}: no element {step} at {change['path']}")
            return found[0]
        return node[int(step)]
    if step not in node:
        raise RehearsalError(f"--patch {change['target']}: no {step} at {change['path']}")
    return node[step]


def seed_volumes(work):
    with open(os.path.join(HERE, "volumes.yaml")) as f:
        seeds = yaml.safe_load(f).get("seed", [])
    for seed in seeds:
        target = os.path.join(work, "volumes", seed["claim"], seed["path"])
        os.makedirs(target, exist_ok=True)
        if not os.path.isdir(seed["from"]):
            raise RehearsalError(f"scripts/rehearsal/volumes.yaml: {seed['from']} is missing (scripts/install-deps.sh)")
        for name in os.listdir(seed["from"]):
            os.symlink(os.path.join(seed["from"], name), os.path.join(target, name))


def override_spec(objects):
    """scripts/rehearsal/search-override.yaml: merged into the search spec ConfigMap, so that the rehearsed
    search is small; everything else in the spec stays as rendered."""
    with open(os.path.join(HERE, "search-override.yaml")) as f:
        override = yaml.safe_load(f)
    wanted = override["configMap"]
    # configMapGenerator names carry a content hash: name-<10 characters>.
    names = [n for n in objects.config_maps if n == wanted or re.fullmatch(re.escape(wanted) + r"-[a-z0-9]{10}", n)]
    data = objects.config_map(names[0] if names else wanted, "scripts/rehearsal/search-override.yaml")
    if override["key"] not in data:
        raise RehearsalError(f"scripts/rehearsal/search-override.yaml: ConfigMap {override['configMap']} has no key {override['key']}")
    spec = yaml.safe_load(data[override["key"]].decode())
    merge(spec, override["merge"])
    data[override["key"]] = yaml.safe_dump(spec, sort_keys=False).encode()


def merge(target, patch):
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value


def wait_ready(runtime, pods, deadline):
    """kubectl rollout status / wait: every Deployment and StatefulSet pod ready, every Job complete."""
    reasons = {}
    while True:
        if runtime.failure:
            raise runtime.failure
        pending = []
        for pod in pods:
            if pod.kind == "Job":
                done = pod.started and all(p.popen.poll() is not None for p in pod.processes)
                if done:
                    failed = [p for p in pod.processes if p.popen.returncode != 0]
                    if failed:
                        raise RehearsalError(f"{pod.workload_id} failed (exit {failed[0].popen.returncode}):\n{log_tail(failed[0].log)}")
                    pod.ready = True
            elif pod.started:
                runtime.check_running(pod)
                runtime.check_logs(pod)
            if pod.kind != "Job" and pod.started and not pod.ready:
                pod.ready = True
                for container in pod.containers:
                    spec = container.spec.get("readinessProbe")
                    if spec:
                        ok, reasons[pod.name] = probe(container, spec, container.rewrite)
                        pod.ready = pod.ready and ok
            if not pod.ready:
                pending.append(pod)
        if not pending:
            return
        if time.monotonic() > deadline:
            raise RehearsalError("not ready in time: " + "; ".join(
                f"{p.name} ({'init containers running' if not p.started else reasons.get(p.name, '')[:200]})" for p in pending))
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
