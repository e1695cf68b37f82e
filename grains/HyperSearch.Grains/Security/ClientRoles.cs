using System.Collections.Concurrent;

namespace HyperSearch.Grains.Security;

/// <summary>What a client certificate allows: viewers read, operators also start and cancel searches.</summary>
public enum ClientRole
{
    None = 0,
    Viewer = 1,
    Operator = 2,
}

/// <summary>Who a connected client is: its role and the identity (certificate subject) refusals are logged with.</summary>
[GenerateSerializer, Immutable, Alias("HyperSearch.ClientIdentity")]
public sealed record ClientIdentity([property: Id(0)] ClientRole Role, [property: Id(1)] string Name);

/// <summary>The roles of clients connected to this silo's gateway (filled when the TLS connection is accepted),
/// and a cache of roles learned from other silos' gateways through <see cref="IClientRoleGrain"/>.</summary>
public sealed class ClientRoles
{
    private readonly ConcurrentDictionary<string, ClientIdentity> _known = new(StringComparer.Ordinal);

    public void Remember(string clientKey, ClientIdentity identity) => _known[clientKey] = identity;

    /// <summary>The clients this silo knows the role of.</summary>
    public IEnumerable<ClientIdentity> Known => _known.Values;

    public void Forget(string clientKey) => _known.TryRemove(clientKey, out _);

    public bool TryGet(string clientKey, out ClientIdentity identity) => _known.TryGetValue(clientKey, out identity!);

    /// <summary>External clients have a random 128-bit id (32 hex digits); a silo's own hosted client
    /// ("hosted-…") is how code outside grains on a silo calls grains, and is not a remote caller.</summary>
    public static bool IsExternal(GrainId? source, out string clientKey)
    {
        clientKey = "";
        if (source is not { } id || id.Type.ToString() != "sys.client")
        {
            return false;
        }

        clientKey = id.Key.ToString()!;
        return !clientKey.StartsWith("hosted-", StringComparison.Ordinal);
    }
}

/// <summary>A connected client's identity, published by the gateway silo that accepted its certificate so that the
/// silo hosting the called grain can check the caller's role. Keyed by the client's id; kept in memory on the
/// gateway's silo (a client whose gateway dies reconnects, and the new gateway publishes it again).</summary>
[Alias("HyperSearch.IClientRoleGrain")]
public interface IClientRoleGrain : IGrainWithStringKey
{
    [Alias("Set")]
    Task SetAsync(ClientIdentity identity);

    [Alias("Get")]
    Task<ClientIdentity?> GetAsync();

    /// <summary>The client's connection closed: let the activation go.</summary>
    [Alias("Forget")]
    Task ForgetAsync();
}

/// <summary>Kept alive while its client is connected (idle deactivation would lose the role); the gateway silo
/// calls <see cref="ForgetAsync"/> when the connection closes.</summary>
[Orleans.Placement.PreferLocalPlacement, KeepAlive]
public sealed class ClientRoleGrain : Grain, IClientRoleGrain
{
    private ClientIdentity? _identity;

    public Task SetAsync(ClientIdentity identity)
    {
        _identity = identity;
        return Task.CompletedTask;
    }

    public Task<ClientIdentity?> GetAsync() => Task.FromResult(_identity);

    public Task ForgetAsync()
    {
        _identity = null;
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
