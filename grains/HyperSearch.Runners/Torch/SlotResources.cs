namespace HyperSearch.Runners;

/// <summary>How a silo's training slots share its hardware. On GPUs: N visible GPUs give N × TrialsPerGpu slots by
/// default, and each running trial holds a place on one GPU, the lowest-numbered with room (slot i of N busy slots
/// on cuda:i when TrialsPerGpu is 1). On CPU: S slots split the cores, each trial running cores/S intra-op threads
/// instead of every trial using every core.</summary>
public sealed class SlotResources
{
    private readonly Lock _gate = new();
    private readonly int[] _busy;
    private readonly string _unplacedDevice;

    /// <param name="device">auto, cpu, cuda or cuda:N (a fixed device for every trial).</param>
    /// <param name="gpuCount">Visible CUDA devices (0 on the CPU build or without a GPU).</param>
    /// <param name="slots">Configured slots; null: one per GPU place, or one on CPU.</param>
    /// <param name="trialsPerGpu">Trials that share one GPU (small models); default 1.</param>
    /// <param name="threads">Intra-op threads for the whole silo; null: every core.</param>
    public SlotResources(string device, int gpuCount, int? slots, int trialsPerGpu, int? threads, int cores)
    {
        if (trialsPerGpu < 1)
        {
            throw new InvalidOperationException($"HyperSearch:Training:TrialsPerGpu is {trialsPerGpu}; it must be at least 1");
        }

        if (slots is < 0)
        {
            throw new InvalidOperationException($"HyperSearch:Training:Slots is {slots}; it must not be negative");
        }

        var wantsCuda = device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase)
            || (string.Equals(device, "auto", StringComparison.OrdinalIgnoreCase) && gpuCount > 0);

        // CUDA asked for but none visible (the driver or libraries failed to load): the silo still starts, unready with
        // the reason (SiloReadiness), and a trial that reaches it fails naming the device; nothing falls back to CPU.
        _unplacedDevice = wantsCuda && gpuCount == 0 ? device : "cpu";

        // A fixed device (cuda:2) pins every trial there; plain cuda or auto spreads trials over every GPU.
        FixedDevice = wantsCuda && device.Contains(':', StringComparison.Ordinal) ? device.ToLowerInvariant() : null;
        Gpus = wantsCuda && gpuCount > 0 ? (FixedDevice is null ? gpuCount : 1) : 0;
        TrialsPerGpu = trialsPerGpu;
        Slots = slots ?? (Gpus > 0 ? Gpus * trialsPerGpu : 1);
        ThreadsPerTrial = Math.Max(1, (threads ?? cores) / Math.Max(1, Slots));
        _busy = new int[Gpus];
    }

    /// <summary>GPUs the trials spread over (0 on CPU).</summary>
    public int Gpus { get; }

    public int TrialsPerGpu { get; }

    public int Slots { get; }

    /// <summary>Intra-op threads each running trial uses.</summary>
    public int ThreadsPerTrial { get; }

    private string? FixedDevice { get; }

    /// <summary>A place for one trial: its device, held until disposed.</summary>
    public Lease Acquire()
    {
        if (Gpus == 0)
        {
            return new Lease(this, -1, _unplacedDevice);
        }

        lock (_gate)
        {
            for (var gpu = 0; gpu < _busy.Length; gpu++)
            {
                if (_busy[gpu] < TrialsPerGpu)
                {
                    _busy[gpu]++;
                    return new Lease(this, gpu, FixedDevice ?? $"cuda:{gpu}");
                }
            }

            // More trials than places (slots configured above GPUs × TrialsPerGpu): the least-loaded GPU.
            var least = Array.IndexOf(_busy, _busy.Min());
            _busy[least]++;
            return new Lease(this, least, FixedDevice ?? $"cuda:{least}");
        }
    }

    private void Release(int gpu)
    {
        if (gpu < 0)
        {
            return;
        }

        lock (_gate)
        {
            _busy[gpu]--;
        }
    }

    public sealed class Lease(SlotResources owner, int gpu, string device) : IDisposable
    {
        private int _released;

        public string Device { get; } = device;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(gpu);
            }
        }
    }
}
