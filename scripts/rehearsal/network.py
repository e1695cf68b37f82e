"""The cluster network on loopback: a 127.x address per pod and per Service, Service names rewritten to
their address (what cluster DNS does), and a TCP proxy per Service port that forwards to a ready pod
selected by the Service (what kube-proxy does)."""
import itertools
import re
import socket
import threading

from render import RehearsalError, name_of

WILDCARDS = ("0.0.0.0", "+", "*", "[::]", "localhost", "127.0.0.1")


class Service:
    def __init__(self, doc, ip, pods):
        self.doc = doc
        self.name = name_of(doc)
        self.namespace = doc.get("metadata", {}).get("namespace", "default")
        spec = doc.get("spec", {})
        self.headless = spec.get("clusterIP") == "None"
        self.publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
        selector = spec.get("selector") or {}
        self.pods = [p for p in pods if selector and all(p.labels.get(k) == v for k, v in selector.items())]
        self.ports = spec.get("ports", [])
        self.ip = self.pods[0].ip if self.headless and self.pods else ip
        self._next = itertools.count()

    def port_numbers(self):
        return [int(p["port"]) for p in self.ports]

    def target_port(self, pod, port):
        """The container port a Service port reaches on a pod (a number, or a named container port)."""
        target = port.get("targetPort", port["port"])
        for container in pod.spec.get("containers", []):
            for declared in container.get("ports", []) or []:
                if str(target) in (str(declared.get("name")), str(declared["containerPort"])):
                    return int(declared["containerPort"])
        if isinstance(target, int):
            return target
        named = [f"{d.get('name')}={d['containerPort']}" for c in pod.spec.get("containers", []) for d in c.get("ports", []) or []]
        raise RehearsalError(
            f"Service {self.name} port {port['port']}: targetPort '{target}' names no container port of "
            f"{pod.workload_id} ({', '.join(named) or 'none'})")

    def endpoints(self, port):
        ready = [p for p in self.pods if p.ready or self.publish_not_ready]
        return [(p.ip, self.target_port(p, port)) for p in ready]


def check_services(services):
    for service in services.values():
        if not service.pods:
            raise RehearsalError(f"Service {service.name}: its selector {service.doc.get('spec', {}).get('selector')} matches no pod")
        for port in service.ports:
            for pod in service.pods:
                service.target_port(pod, port)


def service_pattern(services):
    names = "|".join(sorted((re.escape(s) for s in services), key=len, reverse=True))
    # A host name stands alone or after //, @, =, a comma or a space; a port may follow.
    return re.compile(r"(?<![\w.-])(?<![^/]/)(" + names + r")((?:\.[a-z0-9-]+)(?:\.svc(?:\.cluster\.local)?)?)?(?::(\d+))?(?![\w-])")


class Rewriter:
    """Rewrites one container's strings: Service names to their loopback address (and checks the port),
    mount paths to their folders here, wildcard and localhost hosts to the pod's own address."""

    def __init__(self, container, services, pattern):
        self.container = container
        self.services = services
        self.pattern = pattern
        # One pass over every mount path, longest first, so that a rewritten path is never rewritten again.
        mounts = sorted(container.mounts, key=lambda m: -len(m[0]))
        self.folders = {m[0].rstrip("/"): m[1] for m in mounts}
        alternatives = "|".join(re.escape(m[0].rstrip("/")) for m in mounts)
        self.mounts = re.compile(r"(?<![\w./-])(" + alternatives + r")(?=$|[/\s\"'):;,])") if mounts else None

    def __call__(self, text, where="", network=True):
        if self.mounts:
            text = self.mounts.sub(lambda m: self.folders[m.group(1)], text)
        if not network:
            return text
        text = self.pattern.sub(lambda m: self._service(m, where), text) if self.services else text
        ip = self.container.pod.ip
        text = re.sub(r"(?<=://)(\+|\*|0\.0\.0\.0|\[::\]|localhost|127\.0\.0\.1)(?=[:/]|$)", ip, text)
        text = re.sub(r"^(bind\s+)(0\.0\.0\.0|\*)(.*)$", lambda m: m.group(1) + ip, text, flags=re.M)
        text = re.sub(r"(?<![\w.])(localhost|127\.0\.0\.1)(?=:\d)", ip, text)
        return text

    def _service(self, match, where):
        service = self.services[match.group(1)]
        suffix = match.group(2) or ""
        if suffix and not (suffix == "." + service.namespace or suffix.startswith("." + service.namespace + ".svc")):
            return match.group(0)
        port = match.group(3)
        if port is not None and int(port) not in service.port_numbers():
            raise RehearsalError(
                f"{self.container.id}{where}: names {match.group(0)}, but Service {service.name} exposes "
                f"port(s) {', '.join(map(str, service.port_numbers()))}")
        return service.ip + (f":{port}" if port else "")


def port_free(ip, port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
            return True
        except OSError:
            return False


class Proxy:
    """kube-proxy for one Service port: accepts on the Service address, forwards to a ready endpoint."""

    def __init__(self, service, port):
        self.service = service
        self.port = port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.listener.bind((service.ip, int(port["port"])))
        except OSError as e:
            raise RehearsalError(f"Service {service.name}: cannot listen on {service.ip}:{port['port']}: {e}")
        self.listener.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            endpoints = self.service.endpoints(self.port)
            if not endpoints:
                client.close()
                continue
            target = endpoints[next(self.service._next) % len(endpoints)]
            try:
                upstream = socket.create_connection(target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=pipe, args=(a, b), daemon=True).start()

    def close(self):
        self.listener.close()


def pipe(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
