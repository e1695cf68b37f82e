"""Multi-fidelity benchmark objectives, written to match bench/HyperSearch.Bench/Algorithms/*Objective.cs line by line.

Every objective is minimized. value(x, epoch) converges to final(x) at the last epoch; noise comes from a hash of
(seed, trial number, epoch) so that C# and Python give the same number for the same inputs (checked at start-up).
"""
import math

M64 = (1 << 64) - 1


def _mix(x):
    """SplitMix64 finalizer on x + golden gamma (64-bit wrap-around, as ulong arithmetic in C#)."""
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def noise(seed, trial, epoch):
    """A standard normal draw fixed by (seed, trial, epoch)."""
    key = _mix(_mix(seed & M64) ^ ((trial * 0x9E3779B97F4A7C15) & M64) ^ ((epoch * 0xC2B2AE3D27D4EB4F) & M64))
    u1 = ((_mix(key) >> 11) + 1) * (1.0 / (1 << 53))
    u2 = (_mix(key ^ 0xD6E8FEB86659FD93) >> 11) * (1.0 / (1 << 53))
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


class CnnCurve:
    """A synthetic validation-error learning curve over the CNN search space of the design sketch."""

    name = "cnn_curve"
    optimum = 0.07
    space = {
        "batch_size": ("choice", [128, 256, 500, 1000]),
        "conv1_filters": ("choice", [32, 64, 128]),
        "conv1_kernel": ("choice", [2, 3, 5]),
        "conv2_filters": ("choice", [64, 128, 256]),
        "conv2_kernel": ("choice", [2, 3]),
        "dense_units": ("choice", [256, 512, 1024]),
        "dropout": ("uniform", 0.2, 0.6),
        "init": ("choice", ["he_normal", "glorot_uniform"]),
        "learning_rate": ("loguniform", 1e-4, 3e-3),
    }
    _penalty = {
        "batch_size": {128: 0.0, 256: 0.002, 500: 0.006, 1000: 0.012},
        "conv1_filters": {32: 0.012, 64: 0.004, 128: 0.0},
        "conv1_kernel": {2: 0.010, 3: 0.0, 5: 0.004},
        "conv2_filters": {64: 0.010, 128: 0.003, 256: 0.0},
        "conv2_kernel": {2: 0.004, 3: 0.0},
        "dense_units": {256: 0.006, 512: 0.0, 1024: 0.002},
        "init": {"he_normal": 0.0, "glorot_uniform": 0.005},
    }

    def final(self, x):
        error = 0.07
        for name in ("batch_size", "conv1_filters", "conv1_kernel", "conv2_filters", "conv2_kernel", "dense_units", "init"):
            error += self._penalty[name][x[name]]
        if x["conv1_filters"] == 32 and x["conv2_filters"] == 64:
            error += 0.008
        lr_opt = 8e-4 * math.sqrt(x["batch_size"] / 256.0)
        error += 0.04 * math.log10(x["learning_rate"] / lr_opt) ** 2
        d_opt = 0.25 + (0.1 if x["dense_units"] == 1024 else 0.0) + (0.05 if x["conv2_filters"] == 256 else 0.0)
        error += 0.15 * (x["dropout"] - d_opt) ** 2
        return error

    def value(self, x, epoch, max_epochs, seed, trial):
        lr_opt = 8e-4 * math.sqrt(x["batch_size"] / 256.0)
        # Big networks start worse; learning rates away from the optimum (either way) and big batches converge slower.
        amplitude = 0.20 + (0.04 if x["conv1_filters"] == 128 else 0.0) + (0.04 if x["conv2_filters"] == 256 else 0.0) \
            + (0.02 if x["dense_units"] == 1024 else 0.0)
        tau = 1.5 * (1.0 + 2.0 * abs(math.log10(x["learning_rate"] / lr_opt))) * (1.3 if x["batch_size"] >= 500 else 1.0)
        excess = amplitude * (math.exp(-epoch / tau) - math.exp(-max_epochs / tau))
        sd = 0.004 + 0.02 * (1.0 - epoch / max_epochs)
        return self.final(x) + excess + sd * noise(seed, trial, epoch)


class Branin:
    """Branin-Hoo with a fidelity knob: a bias and noise that both vanish at the last epoch."""

    name = "branin"
    optimum = 0.397887357729738
    space = {"x1": ("uniform", -5.0, 10.0), "x2": ("uniform", 0.0, 15.0)}

    def final(self, x):
        x1, x2 = x["x1"], x["x2"]
        b = 5.1 / (4.0 * math.pi * math.pi)
        c = 5.0 / math.pi
        t = 1.0 / (8.0 * math.pi)
        return (x2 - b * x1 * x1 + c * x1 - 6.0) ** 2 + 10.0 * (1.0 - t) * math.cos(x1) + 10.0

    def value(self, x, epoch, max_epochs, seed, trial):
        remaining = 1.0 - epoch / max_epochs
        bias = 5.0 + 0.5 * (x["x1"] + 5.0) + 0.2 * x["x2"]
        return self.final(x) + bias * remaining * remaining + 5.0 * remaining * noise(seed, trial, epoch)


class Hartmann6:
    """Hartmann 6-D with a fidelity knob: a bias and noise that both vanish at the last epoch."""

    name = "hartmann6"
    optimum = -3.32236801141551
    space = {f"x{i}": ("uniform", 0.0, 1.0) for i in range(6)}
    _alpha = [1.0, 1.2, 3.0, 3.2]
    _a = [
        [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
        [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
        [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
        [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
    ]
    _p = [
        [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
        [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
        [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
    ]

    def final(self, x):
        total = 0.0
        for i in range(4):
            inner = 0.0
            for j in range(6):
                d = x[f"x{j}"] - self._p[i][j]
                inner += self._a[i][j] * d * d
            total -= self._alpha[i] * math.exp(-inner)
        return total

    def value(self, x, epoch, max_epochs, seed, trial):
        remaining = 1.0 - epoch / max_epochs
        mean = sum(x[f"x{j}"] for j in range(6)) / 6.0
        bias = 0.3 + 0.7 * mean
        return self.final(x) + bias * remaining * remaining + 0.3 * remaining * noise(seed, trial, epoch)


OBJECTIVES = {o.name: o for o in (CnnCurve(), Branin(), Hartmann6())}
