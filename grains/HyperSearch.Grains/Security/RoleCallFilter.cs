using HyperSearch.Contracts.Security;
using HyperSearch.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace HyperSearch.Grains.Security;

/// <summary>Enforces client roles on every call that arrives from an external client (through any silo's
/// gateway): viewers may read searches, operators may also start and cancel them, and no client may call the
/// methods silos use among themselves (leases, reports, the role registry) or Orleans' management grain. Calls
/// between grains and from a silo's own services pass. Installed only when gateways require role-bearing client
/// certificates.</summary>
public sealed partial class RoleCallFilter(ClientRoles roles, IGrainFactory grains, HyperSearchMetrics metrics, ILogger<RoleCallFilter> logger)
    : IIncomingGrainCallFilter
{
    /// <summary>What each client-callable method needs; every other method of a HyperSearch grain is silo-internal.</summary>
    private static readonly Dictionary<(Type, string), ClientRole> Required = new()
    {
        [(typeof(ISearchGrain), nameof(ISearchGrain.StartAsync))] = ClientRole.Operator,
        [(typeof(ISearchGrain), nameof(ISearchGrain.CancelAsync))] = ClientRole.Operator,
        [(typeof(ISearchGrain), nameof(ISearchGrain.GetStatusAsync))] = ClientRole.Viewer,
        [(typeof(ISearchGrain), nameof(ISearchGrain.GetTrialsAsync))] = ClientRole.Viewer,
        [(typeof(ISearchGrain), nameof(ISearchGrain.GetSpecAsync))] = ClientRole.Viewer,
        [(typeof(ISearchRegistryGrain), nameof(ISearchRegistryGrain.ListAsync))] = ClientRole.Viewer,
    };

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        var method = context.InterfaceMethod;
        if (ClientRoles.IsExternal(context.SourceId, out var clientKey) && method.DeclaringType is { } type && IsOurs(type))
        {
            var identity = await IdentityOf(clientKey);
            var needed = Required.GetValueOrDefault((type, method.Name), (ClientRole)int.MaxValue);
            if (identity is null || identity.Role < needed)
            {
                var who = identity?.Name ?? $"unknown client {clientKey}";
                var role = identity?.Role.ToString().ToLowerInvariant() ?? "none";
                var what = $"{type.Name}.{method.Name}";
                var reason = needed == (ClientRole)int.MaxValue ? "silo-internal method" : $"needs the {needed.ToString().ToLowerInvariant()} role";
                LogRefused(logger, who, role, what, reason);
                metrics.Refused("role", role);
                throw new AccessRefusedException($"refused: {who} (role {role}) may not call {what}: {reason}");
            }
        }

        await context.Invoke();
    }

    /// <summary>The interfaces whose calls are checked: HyperSearch's, and Orleans' management grain (which can
    /// collect activations or send provider commands, so no client may call it).</summary>
    private static bool IsOurs(Type type) =>
        type == typeof(ISearchGrain) || type == typeof(ISearchRegistryGrain) || type == typeof(ITrainingSlotGrain) || type == typeof(IClientRoleGrain)
        || type == typeof(IManagementGrain);

    private async Task<ClientIdentity?> IdentityOf(string clientKey)
    {
        if (roles.TryGet(clientKey, out var known))
        {
            return known;
        }

        // Connected through another silo's gateway: that silo published the certificate's role.
        var published = await grains.GetGrain<IClientRoleGrain>(clientKey).GetAsync();
        if (published is not null)
        {
            roles.Remember(clientKey, published);
        }

        return published;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "security: refused {Caller} (role {Role}) calling {Method}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string caller, string role, string method, string reason);
}
