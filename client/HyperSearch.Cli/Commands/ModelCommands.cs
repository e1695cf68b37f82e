using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Parsing;
using HyperSearch.Cli.Results;
using HyperSearch.Training;

namespace HyperSearch.Cli.Commands;

/// <summary>`model export ID -o DIR`: a trial's weights, configuration and normalization statistics; `model evaluate
/// DIR`: an exported model's test accuracy from its files alone.</summary>
internal static class ModelCommands
{
    public static Command Create(CliOutput io)
    {
        var command = new Command("model", "export a trained model, or evaluate an exported one");
        command.Add(CreateExport(io));
        command.Add(CreateEvaluate(io));
        return command;
    }

    private static Command CreateExport(CliOutput io)
    {
        var id = ResultCommands.SearchId();
        var output = CliSymbols.Text("--output", "DIR", "where to write the model (required)", "-o");
        var trial = CliSymbols.Integer("--trial", 0, "N", "the trial to export (default: the best)");
        var dataDirectory = CliSymbols.Text("--data-dir", "DIR", "where the search's dataset is found (for its normalization statistics)");
        var json = CliSymbols.Flag("--json", "print what was exported as JSON");
        var command = new Command("export", "the best (or given) trial's weights, configuration and normalization statistics") { id, output, trial, dataDirectory, json };
        var results = new ResultsOptions(command);
        command.SetAction(parsed => ExportAsync(parsed.GetRequiredValue(id), parsed.GetValue(output), parsed.GetValue(trial), parsed.GetValue(dataDirectory),
            parsed.GetValue(json), results.Read(parsed), io.Stdout));
        return command;
    }

    private static Command CreateEvaluate(CliOutput io)
    {
        var dir = CliSymbols.Required("DIR", "an exported model");
        var dataset = CliSymbols.Text("--dataset", "NAME|PATH", "the test data: a dataset name, or a path to its files (default: the model's own)");
        var dataPath = CliSymbols.Text("--data-path", "PATH", "where the named dataset's files are");
        var allowShift = CliSymbols.Flag("--allow-distribution-shift", "evaluate even when the test data is scaled unlike the training data");
        var json = CliSymbols.Flag("--json", "print the result as JSON");
        var command = new Command("evaluate", "test accuracy of an exported model from its files alone") { dir, dataset, dataPath, allowShift, json };
        command.SetAction(parsed => Evaluate(parsed.GetRequiredValue(dir), parsed.GetValue(dataset), parsed.GetValue(dataPath), parsed.GetValue(allowShift),
            parsed.GetValue(json), io.Stdout, io.Stderr));
        return command;
    }

    private static async Task<int> ExportAsync(string id, string? outputOption, int? trialNumber, string? dataDirectory, bool json, ResultsSource source, TextWriter stdout)
    {
        var output = outputOption ?? throw new UsageException("missing -o DIR (where to write the model)");
        var load = ResultsLoader.Prepare(source, id);
        var results = await load();
        var trial = trialNumber is { } number
            ? results.Trials.FirstOrDefault(t => t.Number == number) ?? throw new UsageException($"search {results.SearchId} has no trial {number}")
            : results.Best ?? throw new UsageException($"search {results.SearchId} has no completed trial to export");
        var spec = results.Spec ?? throw new UsageException($"search {results.SearchId}: its spec is unknown, so its dataset is too");

        // The trial trained on the spec's fixed knobs merged with its sampled ones.
        var knobs = new Dictionary<string, object>(spec.Training.ToDictionary(p => p.Key, p => ExportedModel.Plain(p.Value)), StringComparer.Ordinal);
        foreach (var (name, value) in trial.Parameters)
        {
            knobs[name] = value;
        }

        var checkpoint = results.CheckpointDirectoryOf(trial.Number);
        var dataset = Runners.DatasetLocation.OptionsFor(spec.Dataset, dataDirectory);
        var model = await Task.Run(() => ModelExport.Export(checkpoint, knobs, dataset, output, results.SearchId, trial.Number,
            trial.Epochs.LastOrDefault()?.Get(Contracts.Trials.EpochMetrics.ValAccuracy)));
        var dir = Path.GetFullPath(output);
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { search_id = results.SearchId, trial = trial.Number, directory = dir, config = model.Config, normalization = model.Normalization }, Json.Compact));
        }
        else
        {
            stdout.WriteLine($"exported trial {trial.Number} of {results.SearchId} to {dir}");
            stdout.WriteLine($"  model:         {model.Architecture}");
            stdout.WriteLine($"  normalization: mean [{string.Join(", ", model.Normalization.Mean.Select(Decimals))}], std [{string.Join(", ", model.Normalization.Std.Select(Decimals))}] (training split)");
            stdout.WriteLine($"  files:         {ExportedModel.FileName}, {ExportedModel.WeightsFileName}");
        }

        return ExitCodes.Success;
    }

    private static int Evaluate(string dir, string? datasetOption, string? dataPath, bool allowShift, bool json, TextWriter stdout, TextWriter stderr)
    {
        if (!File.Exists(Path.Combine(dir, ExportedModel.FileName)))
        {
            throw new UsageException($"{dir}: not an exported model (no {ExportedModel.FileName}); see hypersearch model export");
        }

        var recorded = ExportedModel.Read(dir).Dataset;
        DatasetOptions? dataset = null;
        if (datasetOption is not null || dataPath is not null)
        {
            // --dataset names a dataset (fashion-mnist, cifar10, npz…) or is itself a path to the data.
            var isPath = datasetOption is not null && (File.Exists(datasetOption) || Directory.Exists(datasetOption));
            var name = datasetOption is null ? recorded.Name : isPath ? DatasetCatalog.FormatOfPath(datasetOption, recorded.Name) : datasetOption;
            var path = dataPath ?? (isPath ? datasetOption : name == recorded.Name ? recorded.Path : null);
            dataset = new DatasetOptions(name, path);
        }

        TestEvaluation result;
        try
        {
            result = ModelExport.Evaluate(dir, dataset, allowShift);
        }
        catch (PreprocessingMismatchException e)
        {
            throw new UsageException($"{e.Message} Nothing was evaluated; pass --allow-distribution-shift to evaluate anyway.");
        }
        catch (DatasetException e)
        {
            throw new UsageException(e.Message);
        }

        if (result.Warning is { } warning)
        {
            stderr.WriteLine($"warning: distribution shift allowed (--allow-distribution-shift): {warning}");
        }

        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { model = Path.GetFullPath(dir), test_accuracy = result.TestAccuracy, test_loss = result.TestLoss, count = result.Count }, Json.Compact));
        }
        else
        {
            stdout.WriteLine($"test accuracy {result.TestAccuracy:0.0000} (loss {result.TestLoss:0.0000}) on {result.Count} test images, normalized with the model's stored statistics");
        }

        return ExitCodes.Success;
    }

    private static string Decimals(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
