using System.Text.Json;

namespace HyperSearch.Grains.Search;

/// <summary>Deep equality of specs by their JSON form (records hold dictionaries and lists, which compare by reference).</summary>
internal static class SpecEquality
{
    public static bool Same(SearchSpec a, SearchSpec b) =>
        JsonSerializer.Serialize(a) == JsonSerializer.Serialize(b);
}
