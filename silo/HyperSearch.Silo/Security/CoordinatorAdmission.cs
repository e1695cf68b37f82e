using System.Text.Json;
using HyperSearch.Contracts.Specs;
using HyperSearch.Grains.Security;
using HyperSearch.Runners;
using HyperSearch.Silo.Hosting;
using HyperSearch.Specs;
using HyperSearch.Training;

namespace HyperSearch.Silo.Security;

/// <summary>The coordinator's admission check: a size limit, the command-trial allow-list (cluster mode), then the
/// CLI's own spec checks — with the dataset probe and the preprocessing (scale) check when this silo can read the
/// data — so a hand-written client cannot start what <c>hypersearch search start</c> would refuse.</summary>
public sealed class CoordinatorAdmission(HyperSearchOptions options) : ISearchAdmission
{
    public Task<IReadOnlyList<SpecError>> CheckAsync(SearchSpec spec, CancellationToken cancellationToken) =>
        Task.FromResult(Check(spec));

    public IReadOnlyList<SpecError> Check(SearchSpec spec)
    {
        var security = options.Security;
        var size = JsonSerializer.SerializeToUtf8Bytes(spec).Length;
        if (size > security.MaxSpecBytes)
        {
            return [new SpecError("(spec)", null,
                $"the spec is {size} bytes, over this cluster's limit of {security.MaxSpecBytes} (silo setting {SecurityOptions.Section}:MaxSpecBytes)")];
        }

        if (spec.Trainer.IsCommand)
        {
            var program = spec.Trainer.Command![0];
            if (options.CommandTrialsRestricted && !security.CommandAllowList.Contains(program, StringComparer.Ordinal))
            {
                return [new SpecError("trainer.command", null, CommandAllowList.Refusal(program, security.CommandAllowList))];
            }
        }

        // The same checks as `validate` and `run` (Specs.SpecAdmission); the data is loaded (and cached for this
        // silo's trials) where this silo can read it, so the scale check refuses the preprocessing trap here too.
        var data = CanReadData(spec) ? DataChecks.Load : DataChecks.None;
        return Specs.SpecAdmission.Check(spec, options.DataDirectory, data).Errors;
    }

    /// <summary>Whether this silo has the spec's data; where it does not (the data lives on the training silos'
    /// volume), the known input shapes of built-in datasets stand in, as for the CLI's --skip-data-check.</summary>
    private bool CanReadData(SearchSpec spec)
    {
        if (spec.Trainer.IsCommand)
        {
            return false;
        }

        // The spec's path, else the dataset's folder under this silo's data directory, else its default location.
        var path = DatasetLocation.OptionsFor(spec.Dataset, options.DataDirectory).Path ?? DatasetCatalog.Resolve(spec.Dataset.Name)?.DefaultPath;
        return path is not null && (File.Exists(path) || Directory.Exists(path));
    }
}
