"""What a cluster test script leaves in its work folder: the CLI's last `search trials` and `search status` JSON
lines, and the trial events (scripts/cluster/trial.py). The scripts run Python with PYTHONPATH=scripts/cluster."""
import json


def last_json(path, default):
    try:
        return json.loads(open(path).read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return default


def load(work):
    """(trials, status, events) of the work folder; missing or unreadable results are empty."""
    trials = last_json(f"{work}/trials.json", [])
    status = last_json(f"{work}/status.json", {})
    events = [json.loads(l) for l in open(f"{work}/events.jsonl") if l.strip()]
    return trials, status, events
