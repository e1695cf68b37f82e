"""The image's files: `dotnet publish` of the project its Dockerfile publishes, with the Dockerfile's own
options, into a folder that plays the image's WORKDIR. Published once and reused while no source file
changed (REHEARSAL_PUBLISH_DIR, default .rehearsal/publish). The CUDA flavour is published as the CPU
flavour: its packages need a GPU machine's restore, and the rehearsal trains on the CPU."""
import hashlib
import os
import subprocess

from render import RehearsalError

SOURCES = ("contracts", "grains", "silo", "client", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props")


def properties(dockerfile):
    return [("-p:TorchFlavour=cpu" if p.startswith("-p:TorchFlavour=") else p) for p in dockerfile.publish_properties]


def publish_dir(root, dockerfile):
    key = hashlib.sha256(" ".join([dockerfile.project] + properties(dockerfile)).encode()).hexdigest()[:12]
    base = os.environ.get("REHEARSAL_PUBLISH_DIR", os.path.join(root, ".rehearsal", "publish"))
    return os.path.join(base, f"{os.path.basename(dockerfile.project).removesuffix('.csproj')}-{key}")


def newest_source(root):
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", *SOURCES], cwd=root, capture_output=True, text=True)
    newest = 0.0
    for path in listed.stdout.splitlines():
        try:
            newest = max(newest, os.path.getmtime(os.path.join(root, path)))
        except OSError:
            pass
    return newest


def publish(root, dockerfile, log):
    output = publish_dir(root, dockerfile)
    stamp = os.path.join(output, ".rehearsal-published")
    # The stamp holds the newest source time the publish saw when it started: an edit during it means stale.
    newest = newest_source(root)
    try:
        with open(stamp) as f:
            if float(f.read().strip() or "0") >= newest:
                return output
    except (OSError, ValueError):
        pass
    log(f"dotnet publish {dockerfile.project} ({dockerfile.path}) -> {output}")
    command = ["dotnet", "publish", os.path.join(root, dockerfile.project), "--configuration", "Release",
               "--runtime", "linux-x64", "--self-contained", "false", *properties(dockerfile), "--output", output]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise RehearsalError(f"dotnet publish {dockerfile.project} failed:\n{result.stdout[-3000:]}")
    with open(stamp, "w") as f:
        f.write(repr(newest))
    return output
