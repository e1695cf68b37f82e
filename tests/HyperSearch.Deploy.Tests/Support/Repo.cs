namespace HyperSearch.Deploy.Tests.Support;

/// <summary>Paths in the repository this test assembly was built from.</summary>
public static class Repo
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string K8s => Path.Combine(Root, "k8s");

    public static string At(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string ReadText(params string[] parts)
    {
        var path = At(parts);
        Assert.True(File.Exists(path), $"missing file {Relative(path)}");
        return File.ReadAllText(path);
    }

    public static string Relative(string path) => System.IO.Path.GetRelativePath(Root, path).Replace('\\', '/');

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HyperSearch.sln")) && Directory.Exists(Path.Combine(dir.FullName, "k8s")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no HyperSearch.sln with a k8s/ folder above {AppContext.BaseDirectory}");
    }
}
