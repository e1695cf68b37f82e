using System.Diagnostics.Metrics;
using HyperSearch.Grains.Telemetry;

namespace HyperSearch.Deploy.Tests.Support;

/// <summary>The series names the silo's HyperSearch meter exports, derived from the instruments the product itself
/// creates (a <see cref="MeterListener"/> on a real <see cref="HyperSearchMetrics"/>), named by the rules of the
/// OpenTelemetry Prometheus exporter: '.' becomes '_', the unit is appended ("s" as <c>_seconds</c>), counters end
/// in <c>_total</c>, histograms export <c>_bucket</c>, <c>_sum</c> and <c>_count</c>.</summary>
public static class ProductMetrics
{
    public static IReadOnlySet<string> ExportedNames()
    {
        var instruments = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == HyperSearchMetrics.MeterName)
                {
                    lock (instruments)
                    {
                        instruments.Add(instrument);
                    }
                }
            },
        };
        listener.Start();
        using var factory = new Factory();
        using (new HyperSearchMetrics(factory, TimeProvider.System))
        {
        }

        return instruments.SelectMany(SeriesNames).ToHashSet(StringComparer.Ordinal);
    }

    private static IEnumerable<string> SeriesNames(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_');
        if (!string.IsNullOrEmpty(instrument.Unit))
        {
            var unit = instrument.Unit switch
            {
                "s" => "seconds",
                "By" => "bytes",
                "1" => "ratio",
                _ => throw new InvalidOperationException(
                    $"instrument {instrument.Name} has unit '{instrument.Unit}', which this test does not know how the exporter names: add its suffix here"),
            };
            if (!name.EndsWith($"_{unit}", StringComparison.Ordinal))
            {
                name += $"_{unit}";
            }
        }

        var kind = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : instrument.GetType();
        if (kind == typeof(Counter<>) || kind == typeof(ObservableCounter<>))
        {
            return [name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total"];
        }

        if (kind == typeof(Histogram<>))
        {
            return [name + "_bucket", name + "_sum", name + "_count"];
        }

        if (kind == typeof(ObservableGauge<>) || kind == typeof(Gauge<>) || kind == typeof(UpDownCounter<>) || kind == typeof(ObservableUpDownCounter<>))
        {
            return [name];
        }

        throw new InvalidOperationException($"instrument {instrument.Name} is a {kind.Name}, which this test does not know how the exporter names");
    }

    /// <summary>What the host's meter factory does, without a host.</summary>
    private sealed class Factory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}
