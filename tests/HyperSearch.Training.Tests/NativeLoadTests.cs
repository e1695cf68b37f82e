using TorchSharp;

namespace HyperSearch.Training.Tests;

public sealed class NativeLoadTests
{
    [Fact]
    public void Tensor_operation_runs_inside_the_test_host()
    {
        TorchRuntime.Initialize();
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = torch.ones(3, 2);
        using var c = a.matmul(b);
        Assert.Equal(new float[] { 3, 3, 12, 12 }, c.data<float>().ToArray());
    }
}
