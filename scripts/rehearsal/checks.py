"""What the rehearsal compares: paths against mounts, the client's Orleans ids against the silos' labels,
free addresses, and the search Job's outcome."""
import json
import os
import re
import subprocess
import time
import urllib.request

from render import RehearsalError
from runtime import log_tail

PATH_TOKEN = re.compile(r"(?<![\w.$-])/[\w.-]+(?:/[\w.-]+)*")


def paths(container, env, argv):
    """Every absolute path an env value names must lie under one of the container's mounts (the root
    filesystem is read-only and the image holds only WORKDIR); a path under a ConfigMap or Secret mount
    must be one of its projected keys. Paths inside command/args are held to the second rule."""
    def under_projected(path, where):
        for mount_path, _, name, keys in container.mounts:
            base = mount_path.rstrip("/")
            if keys is not None and path.startswith(base + "/"):
                relative = path[len(base) + 1:]
                if relative not in keys and not any(k.startswith(relative + "/") for k in keys):
                    raise RehearsalError(
                        f"{container.id}{where}: {path} is not in volume {name} mounted at {mount_path} "
                        f"(it holds: {', '.join(sorted(keys))})")
                return True
        return False

    for name, value in list(env.items()):
        if name in container.image_env_names and re.fullmatch(r"/[^\s:]*", value) and container.host_path(value) is None:
            # A path in the image's own filesystem (DOTNET_ROOT): this machine's value stands in for it.
            if name in os.environ:
                env[name] = os.environ[name]
            else:
                del env[name]
            continue
        if re.fullmatch(r"/[^\s:]*", value):
            under_projected(value, f" env {name}")
            if container.host_path(value) is None:
                mounts = ", ".join(m[0] for m in container.mounts)
                raise RehearsalError(f"{container.id} env {name}: {value} lies under no volume mount ({mounts})")
    for arg in argv[1:]:
        for token in PATH_TOKEN.findall(arg):
            if container.host_path(token) is not None:
                under_projected(token, " command/args")


def cli_default(root, variable):
    """The CLI's default for an id it reads from the environment (client/HyperSearch.Cli)."""
    source = os.path.join(root, "client/HyperSearch.Cli/Commands/ClusterConnection.cs")
    with open(source) as f:
        match = re.search(r'GetEnvironmentVariable\("' + variable + r'"\) \?\? "([^"]*)"', f.read())
    if not match:
        raise RehearsalError(f"{source}: cannot find the CLI's default for {variable}")
    return match.group(1)


def cluster_ids(root, pods, silo_images, cli_image):
    """The search Job's HYPERSEARCH_SERVICE_ID/HYPERSEARCH_CLUSTER_ID against the silo pods' orleans/* labels."""
    silos = [p for p in pods if any(c.image in silo_images for c in p.containers)]
    clients = [(p, c) for p in pods for c in p.containers if c.image == cli_image]
    if not silos:
        raise RehearsalError("no silo pods in the rendered overlay")
    client_cluster = None
    for label, variable in (("orleans/serviceId", "HYPERSEARCH_SERVICE_ID"), ("orleans/clusterId", "HYPERSEARCH_CLUSTER_ID")):
        values = {p.labels.get(label) for p in silos}
        if len(values) != 1 or None in values:
            raise RehearsalError(f"silo pods disagree on label {label}: {sorted(map(str, values))}")
        silo_value = values.pop()
        for pod, container in clients:
            client_value = container.env.get(variable) or cli_default(root, variable)
            if client_value != silo_value:
                raise RehearsalError(
                    f"{container.id}: {variable} is '{client_value}' but the silos' pod label {label} is "
                    f"'{silo_value}' ({silos[0].workload_id}); the gateway would refuse the client")
            if variable == "HYPERSEARCH_CLUSTER_ID":
                client_cluster = client_value
    return client_cluster


def bind_ports(pods, services, port_free):
    """Each pod binds its container ports on its own address; each Service its ports on its own."""
    wanted = [(p.ip, int(d["containerPort"]), p.workload_id) for p in pods for c in p.containers for d in c.spec.get("ports", []) or []]
    wanted += [(s.ip, int(port["port"]), f"Service/{s.name}") for s in services.values() if not s.headless for port in s.ports]
    for ip, port, owner in wanted:
        if not port_free(ip, port):
            raise RehearsalError(f"{owner}: {ip}:{port} is taken on this machine (set REHEARSAL_LOOPBACK_PREFIX)")


def silo_cluster_id(pods, silo_images):
    """The cluster a ready silo says it belongs to (its /readyz answer)."""
    for pod in pods:
        for container in pod.containers:
            if container.image in silo_images:
                url = f"http://{pod.ip}:8080/readyz"
                with urllib.request.urlopen(url, timeout=10) as response:
                    body = response.read().decode()
                match = re.search(r"member of cluster (\S+?)[,\s]", body + " ")
                if match:
                    return match.group(1)
                raise RehearsalError(f"{pod.name}: /readyz names no cluster: {body}")
    return None


def job_outcome(runtime, pod, deadline, cluster_pods):
    """Waits for the search Job's pod, then asks the cluster for the search's final state with the same
    container (image, env, mounts), as `kubectl run` of the CLI image would."""
    while not pod.started:
        if runtime.failure:
            raise runtime.failure
        if time.monotonic() > deadline:
            raise RehearsalError(f"{pod.workload_id}: init containers did not finish in time")
        time.sleep(1)
    process = pod.processes[0]
    while process.popen.poll() is None:
        for other in cluster_pods:
            if other.kind != "Job":
                runtime.check_running(other)
        if time.monotonic() > deadline:
            raise RehearsalError(f"{pod.workload_id}: the search did not finish in time:\n{log_tail(process.log)}")
        time.sleep(2)
    with open(process.log, errors="replace") as f:
        output = f.read()
    match = re.search(r"started search (\S+)", output)
    if not match:
        raise RehearsalError(f"{pod.workload_id} exited {process.popen.returncode} without starting a search:\n{log_tail(process.log)}")
    search_id = match.group(1)
    container = process.container
    argv = container.argv[:container.argv.index("search")] + ["search", "status", search_id, "--json"]
    status = subprocess.run(argv, cwd=container.cwd, env=container.env, capture_output=True, text=True, timeout=120)
    try:
        state = json.loads(status.stdout.strip().splitlines()[-1]).get("state")
    except (ValueError, IndexError):
        raise RehearsalError(f"search status {search_id} answered: {status.stdout}{status.stderr}")
    return {"search_id": search_id, "search_state": str(state).lower(), "job_exit_code": process.popen.returncode}
