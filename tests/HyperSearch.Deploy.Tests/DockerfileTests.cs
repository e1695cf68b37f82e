using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using HyperSearch.Deploy.Tests.Support;

namespace HyperSearch.Deploy.Tests;

/// <summary>The container build files, parsed: runtime bases, non-root users, entry points that match
/// the published assemblies, no build tools in the final stage, and agreement with the k8s manifests.</summary>
public sealed partial class DockerfileTests
{
    /// <summary>Dockerfile, the image name k8s uses for it, the project it publishes, the Torch flavour,
    /// and what its final stage must be based on.</summary>
    public static readonly (string File, string Image, string Project, string Flavour, string FinalBase)[] Images =
    [
        ("silo/Dockerfile", "hypersearch-silo", "silo/HyperSearch.Silo/HyperSearch.Silo.csproj", "cpu", @"^mcr\.microsoft\.com/dotnet/aspnet:10\.0-noble$"),
        ("silo/Dockerfile.gpu", "hypersearch-silo-gpu", "silo/HyperSearch.Silo/HyperSearch.Silo.csproj", "cuda", @"^nvidia/cuda:[0-9.]+-(cudnn-)?runtime-ubuntu24\.04$"),
        ("client/Dockerfile", "hypersearch-cli", "client/HyperSearch.Cli/HyperSearch.Cli.csproj", "cpu", @"^mcr\.microsoft\.com/dotnet/aspnet:10\.0-noble$"),
    ];

    public static TheoryData<string> Files => new(Images.Select(i => i.File));

    private static (string File, string Image, string Project, string Flavour, string FinalBase) Spec(string file) => Images.Single(i => i.File == file);

    [Theory]
    [MemberData(nameof(Files))]
    public void Dockerfile_passes_the_image_policy(string file)
    {
        var violations = Check(Dockerfile.Load(Repo.At(file)), Spec(file));
        PolicyTests.AssertNone(violations);
    }

    [Fact]
    public void Image_policy_catches_a_root_sdk_image_with_a_shell_entry_point()
    {
        var bad = Dockerfile.Parse("""
            FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
            RUN dotnet publish silo/HyperSearch.Silo/HyperSearch.Silo.csproj -p:TorchFlavour=cuda -o /app
            FROM mcr.microsoft.com/dotnet/sdk:latest
            RUN apt-get update && apt-get install -y build-essential
            COPY --from=builder /app .
            USER root
            ENTRYPOINT dotnet HyperSearch.Silo.dll
            """);
        var violations = Check(bad, Spec("silo/Dockerfile"));
        foreach (var expected in new[] { "final base image", "not pinned", "build tools", "USER", "exec form", "TorchFlavour", "unknown stage builder" })
        {
            Assert.True(violations.Any(v => v.Contains(expected, StringComparison.Ordinal)), $"no violation about '{expected}' in:\n  {string.Join("\n  ", violations)}");
        }
    }

    [Fact]
    public void Parser_reads_continuations_args_and_stages()
    {
        var parsed = Dockerfile.Parse("""
            # syntax=docker/dockerfile:1.7
            ARG BASE=ubuntu:24.04
            FROM ${BASE} AS one
            RUN a \
                # a comment inside
                && b
            FROM one
            ENTRYPOINT ["x", "y"]
            """);
        Assert.Equal(2, parsed.Stages.Count);
        Assert.Equal("ubuntu:24.04", parsed.Stages[0].BaseImage);
        Assert.Equal("RUN", parsed.Stages[0].Instructions.Single().Keyword);
        Assert.Equal("a && b", parsed.Stages[0].Instructions.Single().Arguments);
        Assert.Equal(["x", "y"], Dockerfile.ExecForm(parsed.Final.Last("ENTRYPOINT")) ?? []);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Image_user_is_the_user_the_pods_run_as(string file)
    {
        var spec = Spec(file);
        var user = UserId(Dockerfile.Load(Repo.At(file)).Final);
        var pods = Manifests.Deployable.Select(Manifests.Render).SelectMany(r => r.PodTemplates())
            .Where(p => p.Containers.Any(c => Regex.IsMatch(c["image"].Str() ?? "", $@"(^|/){Regex.Escape(spec.Image)}(:|@|$)")))
            .ToList();
        Assert.True(pods.Count > 0, $"no manifest runs {spec.Image}");
        Assert.All(pods, p => Assert.Equal(user?.ToString(CultureInfo.InvariantCulture), p.Spec["securityContext"]?["runAsUser"].Str()));
    }

    [Theory]
    [InlineData("silo/Dockerfile")]
    [InlineData("silo/Dockerfile.gpu")]
    public void Silo_images_expose_the_ports_the_manifests_use(string file)
    {
        var exposed = Dockerfile.Load(Repo.At(file)).Final.All("EXPOSE")
            .SelectMany(e => e.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => p.Split('/')[0])
            .ToHashSet();
        var ports = Manifests.SiloOverlays.Select(Manifests.Render).SelectMany(r => r.Silos())
            .SelectMany(p => p.Container("silo")!["ports"].Objects().Select(x => x["containerPort"].Str()!))
            .ToHashSet();
        Assert.Equal(["11111", "30000", "8080"], ports.Order());
        Assert.Subset(exposed, ports);
    }

    [Fact]
    public void Docker_build_context_leaves_out_build_outputs_and_keeps_the_sources()
    {
        var patterns = Repo.ReadText(".dockerignore").Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        foreach (var excluded in new[] { ".git/", "**/bin/", "**/obj/", "**/node_modules/" })
        {
            Assert.Contains(excluded, patterns);
        }

        var needed = Images.Select(i => i.Project.Split('/')[0])
            .Concat(["contracts", "grains", "Directory.Build.props", "Directory.Packages.props", "Directory.Build.targets", "build/TorchSharpNativePatch.targets"]);
        foreach (var path in needed)
        {
            Assert.DoesNotContain(patterns, p => p.TrimEnd('/') == path || p.TrimEnd('/') == "/" + path || p == "*" || p == "**");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Build_instructions_in_the_header_name_the_image_k8s_deploys(string file)
    {
        var spec = Spec(file);
        var header = File.ReadLines(Repo.At(file)).TakeWhile(l => l.StartsWith('#')).ToList();
        Assert.Contains(header, l => l.Contains($"docker build -f {file} -t {spec.Image}:", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" .", StringComparison.Ordinal));
        var deployed = Manifests.Deployable.Select(Manifests.Render).SelectMany(r => r.PodTemplates()).SelectMany(p => p.Containers)
            .Select(c => c["image"].Str() ?? "")
            .Any(i => i.StartsWith(spec.Image + ":", StringComparison.Ordinal));
        Assert.True(deployed, $"no manifest deploys {spec.Image}");
    }

    /// <summary>The image policy for one Dockerfile.</summary>
    internal static List<string> Check(Dockerfile dockerfile, (string File, string Image, string Project, string Flavour, string FinalBase) spec)
    {
        var violations = new List<string>();
        if (dockerfile.Stages.Count < 2)
        {
            violations.Add("no separate build stage");
            return violations;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stage in dockerfile.Stages)
        {
            if (!ImagePinned(stage.BaseImage) && !names.Contains(stage.BaseImage))
            {
                violations.Add($"stage {stage.Name}: base image {stage.BaseImage} not pinned to a version tag");
            }

            foreach (var copy in stage.All("COPY"))
            {
                var from = FromFlag().Match(copy.Arguments);
                if (from.Success && !names.Contains(from.Groups[1].Value) && !from.Groups[1].Value.Contains(':', StringComparison.Ordinal))
                {
                    violations.Add($"line {copy.Line}: COPY --from an unknown stage {from.Groups[1].Value}");
                }
            }

            names.Add(stage.Name);
        }

        // The build stage publishes the right project, in the right flavour.
        var publish = dockerfile.Stages.SelectMany(s => s.All("RUN")).FirstOrDefault(r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        if (publish is null)
        {
            violations.Add("no dotnet publish in a build stage");
        }
        else
        {
            if (!publish.Arguments.Contains(spec.Project, StringComparison.Ordinal))
            {
                violations.Add($"dotnet publish does not build {spec.Project}");
            }

            var flavour = TorchFlavour().Match(publish.Arguments);
            var chosen = flavour.Success ? flavour.Groups[1].Value : "cpu";
            if (chosen != spec.Flavour)
            {
                violations.Add($"publishes with TorchFlavour={chosen}, expected {spec.Flavour}");
            }

            if (!File.Exists(Repo.At(spec.Project)))
            {
                violations.Add($"{spec.Project} does not exist");
            }
        }

        var final = dockerfile.Final;
        if (!Regex.IsMatch(final.BaseImage, spec.FinalBase))
        {
            violations.Add($"final base image {final.BaseImage} is not {spec.FinalBase}");
        }

        if (final.BaseImage.Contains("/sdk:", StringComparison.Ordinal) || final.BaseImage.Contains("-devel", StringComparison.Ordinal))
        {
            violations.Add($"final base image {final.BaseImage} carries build tools (sdk/devel)");
        }

        foreach (var run in final.All("RUN"))
        {
            if (BuildTool().IsMatch(run.Arguments))
            {
                violations.Add($"line {run.Line}: final stage installs or runs build tools: {run.Arguments}");
            }
        }

        var user = UserId(final);
        if (user is null or 0)
        {
            violations.Add($"final stage USER is '{final.Last("USER")?.Arguments}', expected a numeric non-root uid");
        }

        var entry = Dockerfile.ExecForm(final.Last("ENTRYPOINT"));
        var assembly = AssemblyName(spec.Project);
        if (entry is null)
        {
            violations.Add("ENTRYPOINT is not in exec form (a JSON array)");
        }
        else if (entry.Length != 2 || entry[0] != "dotnet" || entry[1] != $"{assembly}.dll")
        {
            violations.Add($"ENTRYPOINT [{string.Join(", ", entry)}], expected [dotnet, {assembly}.dll]");
        }

        if (!final.All("COPY").Any(c => c.Arguments.Contains("--from=", StringComparison.Ordinal)))
        {
            violations.Add("final stage copies nothing from the build stage");
        }

        return violations;
    }

    private static int? UserId(DockerStage stage)
    {
        var user = stage.Last("USER")?.Arguments.Split(':')[0].Trim();
        return int.TryParse(user, CultureInfo.InvariantCulture, out var id) ? id : null;
    }

    private static bool ImagePinned(string image)
    {
        if (image.Contains('@', StringComparison.Ordinal))
        {
            return true;
        }

        var last = image[(image.LastIndexOf('/') + 1)..];
        var colon = last.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && last[(colon + 1)..] is { Length: > 0 } tag && tag != "latest" && !tag.Contains('$', StringComparison.Ordinal);
    }

    /// <summary>The assembly a project builds: its AssemblyName, or the project file's name.</summary>
    private static string AssemblyName(string project)
    {
        var path = Repo.At(project);
        if (!File.Exists(path))
        {
            return System.IO.Path.GetFileNameWithoutExtension(project);
        }

        var name = XDocument.Load(path).Descendants("AssemblyName").Select(e => e.Value.Trim()).FirstOrDefault();
        return string.IsNullOrEmpty(name) ? System.IO.Path.GetFileNameWithoutExtension(project) : name;
    }

    [GeneratedRegex(@"--from=(\S+)")]
    private static partial Regex FromFlag();

    [GeneratedRegex(@"-p:TorchFlavour=(\w+)")]
    private static partial Regex TorchFlavour();

    [GeneratedRegex(@"\b(build-essential|gcc|g\+\+|clang|make|cmake|dotnet-sdk-[0-9.]+|git)\b|dotnet (publish|build|restore)")]
    private static partial Regex BuildTool();
}
