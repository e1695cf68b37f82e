"""Two-objective benchmark problems, written to match bench/HyperSearch.Bench/MultiObjective/*.cs line by line.

Both objectives are minimized. value(x, epoch) converges to final(x) at the last epoch; noise comes from the same
hash as objectives.py, so C# and Python give the same numbers for the same inputs (checked at start-up).
"""
import math

from objectives import CnnCurve, noise


class CnnPareto:
    """Validation error of the synthetic CNN curve against log10 of the network's parameter count."""

    name = "cnn_pareto"
    reference = (0.25, 7.2)
    space = CnnCurve.space
    _curve = CnnCurve()

    @staticmethod
    def params(x):
        # 28x28 grey input, conv1 -> pool 2 -> conv2 -> pool 2 -> dense -> 10 classes, "same" padding.
        c1, k1, c2, k2, d = x["conv1_filters"], x["conv1_kernel"], x["conv2_filters"], x["conv2_kernel"], x["dense_units"]
        return c1 * (k1 * k1 + 1) + c2 * (c1 * k2 * k2 + 1) + (7 * 7 * c2 + 1) * d + (d + 1) * 10

    def final(self, x):
        return [self._curve.final(x), math.log10(self.params(x))]

    def value(self, x, epoch, max_epochs, seed, trial):
        return [self._curve.value(x, epoch, max_epochs, seed, trial), math.log10(self.params(x))]


class ZdtMixed:
    """ZDT1 on a mixed space (four reals and a categorical), with a fidelity bias and noise on the second objective."""

    name = "zdt_mixed"
    reference = (1.1, 11.0)
    space = {
        "x1": ("uniform", 0.0, 1.0),
        "x2": ("uniform", 0.0, 1.0),
        "x3": ("uniform", 0.0, 1.0),
        "x4": ("uniform", 0.0, 1.0),
        "level": ("choice", ["a", "b", "c", "d"]),
    }
    _level = {"a": 0.0, "b": 1.0 / 3.0, "c": 2.0 / 3.0, "d": 1.0}

    def final(self, x):
        g = 1.0 + 9.0 * (x["x2"] + x["x3"] + x["x4"] + self._level[x["level"]]) / 4.0
        f1 = x["x1"]
        return [f1, g * (1.0 - math.sqrt(f1 / g))]

    def value(self, x, epoch, max_epochs, seed, trial):
        f1, f2 = self.final(x)
        remaining = 1.0 - epoch / max_epochs
        bias = 2.0 + 2.0 * x["x2"]
        return [f1, f2 + bias * remaining * remaining + 0.5 * remaining * noise(seed, trial, epoch)]


MO_OBJECTIVES = {o.name: o for o in (CnnPareto(), ZdtMixed())}
