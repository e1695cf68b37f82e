using System.Reflection;
using HyperSearch.Grains.Search;
using HyperSearch.Grains.Telemetry;
using Orleans.Configuration;

namespace HyperSearch.Silo.Hosting;

/// <summary>Settings under HyperSearch that nothing reads: a misspelt env name in a manifest
/// (HyperSearch__Redis__PasswordFle) would otherwise be ignored without a word. The silo logs each one at start.</summary>
public static class UnknownSettings
{
    /// <summary>Sections bound to other options types than <see cref="HyperSearchOptions"/>; null: not checked.</summary>
    private static readonly Dictionary<string, Type?> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Coordinator"] = typeof(CoordinatorOptions),
        ["Membership"] = typeof(ClusterMembershipOptions),
        ["Metrics"] = typeof(HyperSearchMetricsOptions),
        ["Dashboard"] = null,
    };

    /// <summary>Full keys (HyperSearch:Redis:PasswordFle) that match no settable property.</summary>
    public static List<string> Find(IConfiguration configuration)
    {
        var unknown = new List<string>();
        foreach (var child in configuration.GetSection(HyperSearchOptions.Section).GetChildren())
        {
            if (Sections.TryGetValue(child.Key, out var type))
            {
                if (type is not null)
                {
                    Walk(child, type, unknown);
                }
            }
            else
            {
                Check(child, typeof(HyperSearchOptions), unknown);
            }
        }

        return unknown;
    }

    private static void Walk(IConfigurationSection section, Type type, List<string> unknown)
    {
        foreach (var child in section.GetChildren())
        {
            Check(child, type, unknown);
        }
    }

    private static void Check(IConfigurationSection entry, Type owner, List<string> unknown)
    {
        var property = owner.GetProperty(entry.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null || !property.CanWrite && !IsComplex(property.PropertyType))
        {
            unknown.Add(entry.Path);
            return;
        }

        if (IsComplex(property.PropertyType))
        {
            Walk(entry, property.PropertyType, unknown);
        }
    }

    /// <summary>A class with settings of its own (not a value, a string or a collection).</summary>
    private static bool IsComplex(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(type);
}
