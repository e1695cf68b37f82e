namespace HyperSearch.Training.Tests;

/// <summary><see cref="DatasetCatalog.Kinds"/> is the one definition of the named datasets; the spec checker uses its
/// shapes where the files are not, and the runners its folders under a data directory.</summary>
public sealed class DatasetKindsTests
{
    [Fact]
    public void The_known_fashion_mnist_shape_is_what_its_files_say()
    {
        var files = DatasetCatalog.Probe(new DatasetOptions(DatasetCatalog.FashionMnist));

        Assert.Equal(files, DatasetCatalog.Find(DatasetCatalog.FashionMnist)!.Shape);
    }

    [Fact]
    public void Names_are_the_kinds_and_aliases_resolve_while_specs_name_exactly()
    {
        Assert.Equal(["fashion-mnist", "mnist", "cifar10", "npz"], DatasetCatalog.Names);
        Assert.Equal(DatasetCatalog.FashionMnist, DatasetCatalog.Resolve(" Fashion_MNIST ")!.Name);
        Assert.Equal(DatasetCatalog.Cifar10, DatasetCatalog.Resolve("cifar-10")!.Name);
        Assert.Null(DatasetCatalog.Resolve("imagenet"));
        Assert.Null(DatasetCatalog.Find("cifar-10"));
        Assert.Equal(new DatasetInfo(3, 32, 32, 10, 50000, 10000), DatasetCatalog.Find(DatasetCatalog.Cifar10)!.Shape);
        Assert.Null(DatasetCatalog.Find(DatasetCatalog.Npz)!.Shape);
    }

    [Fact]
    public void A_dataset_is_found_at_its_path_else_in_its_folder_under_the_data_directory()
    {
        var data = TestFiles.TempDirectory();
        var cifar = DatasetCatalog.Find(DatasetCatalog.Cifar10)!;
        Assert.Null(cifar.Locate(null, data));
        Assert.Null(cifar.Locate(null, null));

        var folder = Directory.CreateDirectory(Path.Combine(data, "cifar-10-batches-bin")).FullName;
        Assert.Equal(folder, cifar.Locate(null, data));
        Assert.Equal("/given/path", cifar.Locate("/given/path", data));

        // The first of its folder names wins.
        var preferred = Directory.CreateDirectory(Path.Combine(data, "cifar10")).FullName;
        Assert.Equal(preferred, cifar.Locate(null, data));
    }
}
