"""Containers as local processes: init containers first (restarted on failure, as the kubelet does),
then the main containers; readiness from the rendered probes; teardown with SIGTERM, then SIGKILL."""
import os
import re
import shlex
import signal
import subprocess
import threading
import time
import urllib.request

from render import RehearsalError


def log_tail(path, lines=25):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


class Process:
    def __init__(self, container, logs):
        self.container = container
        self.log = os.path.join(logs, f"{container.pod.name}.{container.name}.log")
        with open(self.log, "ab") as out:
            try:
                self.popen = subprocess.Popen(container.argv, cwd=container.cwd, env=container.env, stdout=out,
                                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
            except OSError as e:
                raise RehearsalError(f"{container.id}: cannot start {container.argv[0]}: {e}")

    def stop(self, sig):
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass


class Runtime:
    def __init__(self, logs):
        self.logs = logs
        self.processes = []
        self.lock = threading.Lock()
        self.failure = None
        self.stopping = False

    def start(self, container):
        process = Process(container, self.logs)
        with self.lock:
            self.processes.append(process)
        return process

    def run_pod(self, pod, deadline):
        """Init containers in order, each until it succeeds, then every main container."""
        threading.Thread(target=self._run_pod, args=(pod, deadline), daemon=True).start()

    def _run_pod(self, pod, deadline):
        restart = pod.spec.get("restartPolicy", "Always")
        try:
            for container in pod.init_containers:
                while True:
                    process = self.start(container)
                    code = process.popen.wait()
                    if code == 0 or self.stopping:
                        break
                    if restart == "Never" or time.monotonic() > deadline:
                        raise RehearsalError(f"{container.id} (init) exited {code}:\n{log_tail(process.log)}")
                    time.sleep(2)
            pod.processes = [self.start(c) for c in pod.containers]
            pod.started = True
        except RehearsalError as e:
            self.failure = self.failure or e

    def check_running(self, pod):
        """A long-running container that exits is a failure (the kubelet would loop it in CrashLoopBackOff)."""
        for process in getattr(pod, "processes", []):
            code = process.popen.poll()
            if code is not None:
                raise RehearsalError(f"{process.container.id} exited {code}:\n{log_tail(process.log)}")

    def check_logs(self, pod):
        """A silo names every setting nothing reads (a misspelt env name); the rehearsal treats that as a mismatch."""
        for process in getattr(pod, "processes", []):
            with open(process.log, errors="replace") as f:
                match = re.search(r"unknown setting (\S+): nothing reads it", f.read())
            if match:
                raise RehearsalError(f"{process.container.id}: unknown setting {match.group(1)} (env "
                                     f"{match.group(1).replace(':', '__')}): nothing in the silo reads it")

    def stop_all(self, grace=15):
        self.stopping = True
        for process in self.processes:
            process.stop(signal.SIGTERM)
        end = time.monotonic() + grace
        for process in self.processes:
            try:
                process.popen.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.stop(signal.SIGKILL)
                process.popen.wait()


def probe(container, spec, rewrite):
    """One readiness probe attempt: httpGet, tcpSocket or exec, against the pod's own address."""
    timeout = max(5, int(spec.get("timeoutSeconds", 1)))
    ip = container.pod.ip
    if "httpGet" in spec:
        get = spec["httpGet"]
        url = f"http://{ip}:{container_port(container, get['port'])}{get.get('path', '/')}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return 200 <= response.status < 400, response.read().decode(errors="replace")
        except Exception as e:  # refused, timeout, 5xx: not ready yet
            return False, str(e)
    if "tcpSocket" in spec:
        import socket
        try:
            socket.create_connection((ip, container_port(container, spec["tcpSocket"]["port"])), timeout=timeout).close()
            return True, ""
        except OSError as e:
            return False, str(e)
    if "exec" in spec:
        argv = [local_clients(rewrite(a), ip) for a in spec["exec"]["command"]]
        try:
            result = subprocess.run(argv, cwd=container.cwd, env=container.env, capture_output=True, text=True, timeout=timeout)
            return result.returncode == 0, result.stdout + result.stderr
        except subprocess.TimeoutExpired:
            return False, "timed out"
    return True, "no probe"


def local_clients(text, ip):
    """Inside a pod, redis-cli's default host (127.0.0.1) is the pod itself; here it is the pod's address."""
    return text.replace("redis-cli ", f"redis-cli -h {shlex.quote(ip)} ")


def container_port(container, port):
    for declared in container.spec.get("ports", []) or []:
        if str(port) in (str(declared.get("name")), str(declared["containerPort"])):
            return int(declared["containerPort"])
    if isinstance(port, int):
        return port
    raise RehearsalError(f"{container.id}: probe port '{port}' names no container port")
