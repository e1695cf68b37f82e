namespace HyperSearch.Cli.Tests;

/// <summary>The real Fashion-MNIST from Debian's dataset-fashion-mnist, which the test script installs.</summary>
internal static class FashionMnist
{
    public const string Directory = "/usr/share/datasets/fashion-mnist";

    public static void Require() =>
        Assert.True(File.Exists(Path.Combine(Directory, "train-images-idx3-ubyte.gz")),
            $"Fashion-MNIST is missing from {Directory}: run `apt-get install -y dataset-fashion-mnist` (scripts/install-deps.sh does)");
}
