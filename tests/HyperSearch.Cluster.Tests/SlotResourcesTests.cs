using HyperSearch.Runners;
using HyperSearch.Training;
using TorchSharp;

namespace HyperSearch.Cluster.Tests;

/// <summary>How training slots map onto GPUs and cores, with the GPU count faked (no GPU on CI machines).</summary>
public sealed class SlotResourcesTests
{
    [Theory]
    [InlineData("cuda")]
    [InlineData("auto")]
    public void N_visible_GPUs_give_N_slots_each_trial_on_its_own_GPU(string device)
    {
        var resources = new SlotResources(device, gpuCount: 4, slots: null, trialsPerGpu: 1, threads: null, cores: 32);
        Assert.Equal(4, resources.Slots);
        var leases = Enumerable.Range(0, 4).Select(_ => resources.Acquire()).ToList();
        Assert.Equal(["cuda:0", "cuda:1", "cuda:2", "cuda:3"], leases.Select(l => l.Device));

        // A finished trial frees its GPU for the next one; the others stay where they are.
        leases[1].Dispose();
        leases[1].Dispose(); // twice is harmless
        using var next = resources.Acquire();
        Assert.Equal("cuda:1", next.Device);
        foreach (var lease in leases)
        {
            lease.Dispose();
        }
    }

    [Fact]
    public void TrialsPerGpu_lets_small_trials_share_a_GPU()
    {
        var resources = new SlotResources("cuda", gpuCount: 2, slots: null, trialsPerGpu: 3, threads: null, cores: 16);
        Assert.Equal(6, resources.Slots);
        var devices = Enumerable.Range(0, 6).Select(_ => resources.Acquire().Device).ToList();
        Assert.Equal(["cuda:0", "cuda:0", "cuda:0", "cuda:1", "cuda:1", "cuda:1"], devices);
    }

    [Fact]
    public void A_fixed_device_pins_every_trial()
    {
        var resources = new SlotResources("cuda:2", gpuCount: 4, slots: null, trialsPerGpu: 1, threads: null, cores: 8);
        Assert.Equal(1, resources.Slots);
        Assert.Equal("cuda:2", resources.Acquire().Device);
    }

    [Theory]
    [InlineData(4, 8, 8, 2)]     // 4 slots share 8 threads
    [InlineData(3, null, 8, 2)]  // no thread setting: the cores, split
    [InlineData(1, null, 8, 8)]  // one slot: every core
    [InlineData(4, null, 2, 1)]  // more slots than cores: one thread each, never zero
    public void On_CPU_each_slot_gets_its_share_of_the_threads(int slots, int? threads, int cores, int expected)
    {
        var resources = new SlotResources("cpu", gpuCount: 0, slots, trialsPerGpu: 1, threads, cores);
        Assert.Equal(slots, resources.Slots);
        Assert.Equal(expected, resources.ThreadsPerTrial);
        Assert.Equal("cpu", resources.Acquire().Device);
    }

    [Fact]
    public void Auto_without_a_GPU_trains_on_CPU_with_one_slot()
    {
        var resources = new SlotResources("auto", gpuCount: 0, slots: null, trialsPerGpu: 1, threads: null, cores: 6);
        Assert.Equal(1, resources.Slots);
        Assert.Equal(0, resources.Gpus);
        Assert.Equal(6, resources.ThreadsPerTrial);
    }

    [Fact]
    public void Cuda_without_a_visible_GPU_stays_cuda_so_trials_fail_instead_of_falling_back()
    {
        var resources = new SlotResources("cuda", gpuCount: 0, slots: null, trialsPerGpu: 1, threads: null, cores: 4);
        Assert.Equal(1, resources.Slots);
        Assert.Equal("cuda", resources.Acquire().Device);
    }

    [Fact]
    public void Bad_settings_are_refused_by_name()
    {
        Assert.Contains("TrialsPerGpu is 0", Assert.Throws<InvalidOperationException>(() => new SlotResources("cuda", 2, null, 0, null, 4)).Message);
        Assert.Contains("Slots is -1", Assert.Throws<InvalidOperationException>(() => new SlotResources("cpu", 0, -1, 1, null, 4)).Message);
    }

    [Fact]
    public void Thread_counts_are_per_training_thread()
    {
        // libtorch's intra-op (OpenMP) thread count belongs to the calling thread: what one slot sets must not
        // change another's. A process-wide setting would make every slot use the last value set.
        TorchRuntime.Initialize();
        int Other(int threads)
        {
            var seen = 0;
            var thread = new Thread(() =>
            {
                TorchRuntime.SetThreadsForThisThread(threads);
                seen = torch.get_num_threads();
            });
            thread.Start();
            thread.Join();
            return seen;
        }

        var here = torch.get_num_threads();
        Assert.Equal(1, Other(1));
        Assert.Equal(3, Other(3));
        Assert.Equal(here, torch.get_num_threads());
    }
}
