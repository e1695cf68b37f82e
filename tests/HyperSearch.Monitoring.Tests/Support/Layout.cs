namespace HyperSearch.Monitoring.Tests.Support;

/// <summary>Where the repository, and the silo and CLI builds of this test assembly's configuration, are.</summary>
internal static class Layout
{
    public static string Root { get; } = FindRoot();

    /// <summary>Release or Debug: the configuration this test assembly was built in (bin/&lt;configuration&gt;/&lt;tfm&gt;/).</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    private static string TargetFramework { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;

    public static string At(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string SiloDll => Output("silo/HyperSearch.Silo", "HyperSearch.Silo.dll");

    public static string CliDll => Output("client/HyperSearch.Cli", "hypersearch.dll");

    private static string Output(string project, string dll)
    {
        var path = At(project, "bin", Configuration, TargetFramework, dll);
        Assert.True(File.Exists(path),
            $"{path} is missing: build the solution in {Configuration} first (dotnet build HyperSearch.sln -c {Configuration}; scripts/test.sh does).");
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HyperSearch.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"HyperSearch.sln not found above {AppContext.BaseDirectory}");
    }
}
