using System.Runtime.InteropServices;
using TorchSharp;

namespace HyperSearch.Training;

/// <summary>
/// Process-wide libtorch setup. Every host that trains calls <see cref="Initialize"/> once, before the
/// first tensor exists; later calls only change the thread count.
/// </summary>
public static partial class TorchRuntime
{
    // glibc mallopt parameters (malloc.h).
    private const int MTrimThreshold = -1;
    private const int MMmapMax = -4;

    private static readonly Lock Gate = new();
    private static bool mallocTuned;
    private static bool? cudaAvailable;

    /// <summary>True after <see cref="Initialize"/> has applied the allocator settings (Linux/glibc only).</summary>
    public static bool AllocatorTuned => mallocTuned;

    /// <summary>
    /// Applies the glibc allocator settings and, when given, the intra-op thread count. Idempotent and
    /// seeds nothing: determinism is each trial's business (its own generators).
    /// </summary>
    public static void Initialize(int? threads = null)
    {
        if (threads is < 1)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "thread count must be at least 1");
        lock (Gate)
        {
            if (!mallocTuned && OperatingSystem.IsLinux())
            {
                // libtorch frees and reallocates large activation buffers every step; with glibc's default
                // thresholds each becomes mmap/munmap plus page faults (4-5x slower training).
                // Keeping freed memory in the heap and never using mmap for big blocks avoids that.
                try
                {
                    mallocTuned = Mallopt(MTrimThreshold, int.MaxValue) == 1 & Mallopt(MMmapMax, 0) == 1;
                }
                catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
                {
                    // musl and other non-glibc libcs have no mallopt; their allocator is left as it is.
                    mallocTuned = false;
                }
            }
            if (threads is { } n && torch.get_num_threads() != n)
                torch.set_num_threads(n);
        }
    }

    /// <summary>Whether a CUDA device is usable (false on the CPU build flavour).</summary>
    public static bool CudaAvailable
    {
        get
        {
            lock (Gate)
            {
                cudaAvailable ??= ProbeCuda();
                return cudaAvailable.Value;
            }
        }
    }

    /// <summary>Visible CUDA devices (0 on the CPU build flavour or without a GPU).</summary>
    public static int CudaDeviceCount => CudaAvailable ? torch.cuda.device_count() : 0;

    /// <summary>Intra-op threads of the calling thread: libtorch's OpenMP thread count is per calling thread, so
    /// each trial sets its own on its training thread.</summary>
    public static void SetThreadsForThisThread(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (torch.get_num_threads() != threads)
            torch.set_num_threads(threads);
    }

    /// <summary>Resolves "auto", "cpu", "cuda" or "cuda:N" to a torch device.</summary>
    public static torch.Device ResolveDevice(string device)
    {
        if (string.Equals(device, "auto", StringComparison.OrdinalIgnoreCase))
            return CudaAvailable ? torch.CUDA : torch.CPU;
        if (device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) && !CudaAvailable)
            throw new InvalidOperationException($"device '{device}' requested but CUDA is not available in this build or host");
        return torch.device(device);
    }

    private static bool ProbeCuda()
    {
        try
        {
            return torch.cuda.is_available();
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int param, int value);
}
