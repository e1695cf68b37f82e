using TorchSharp;

namespace HyperSearch.Training.Tests;

public sealed class NativeLoadTests
{
    private const string Version = "GLIBCXX_3.4.32";

    [Fact]
    public void Tensor_operation_runs_inside_the_test_host()
    {
        TorchRuntime.Initialize();
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = torch.ones(3, 2);
        using var c = a.matmul(b);
        Assert.Equal(new float[] { 3, 3, 12, 12 }, c.data<float>().ToArray());
        Assert.True(TorchRuntime.AllocatorTuned, "mallopt should apply on glibc Linux");
    }

    [Fact]
    public void Build_output_copy_is_patched_only_when_the_host_lacks_the_version_and_the_cache_is_untouched()
    {
        var output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(output), $"{output} missing from the test output");
        var host = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }.First(File.Exists);
        bool hostHasIt = ElfVersions.Defines(host, Version);
        ushort? flags = ElfVersions.NeededVersionFlags(output, Version);
        Assert.NotNull(flags);
        Assert.Equal(!hostHasIt, (flags.Value & ElfVersions.Weak) != 0);

        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cached = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (File.Exists(cached)) Assert.Equal(0, ElfVersions.NeededVersionFlags(cached, Version)!.Value & ElfVersions.Weak);
    }
}
