using AcqSeg.Persistence;
using AcqSeg.TestSupport;

namespace AcqSeg.Cli.Tests;

public class UsageErrorTests
{
    [Fact]
    public void NoCommand_ExitsWithUsageError()
    {
        var run = CliRun.Of();
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains("acqseg", run.Error);
    }

    [Fact]
    public void UnknownOption_IsNamedInOneLine_ExitCode2()
    {
        var run = CliRun.Of("segment", "x.tif", "--model", "m.pth", "--frobnicate");
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains("--frobnicate", run.Error);
    }

    [Theory]
    [InlineData("--events", "2", "--events 2: use 3 to 1000 frames")]
    [InlineData("--events-interval", "0", "--events-interval 0 must be 0.05-60 seconds")]
    [InlineData("--events-stable-ms", "-1", "--events-stable-ms -1 must be 0-60000")]
    public void BenchEvents_OptionOutOfRange_IsNamedWithItsRange(string option, string value, string message)
    {
        string[] args = option == "--events" ? ["bench", "--model", "nuclei", option, value] : ["bench", "--model", "nuclei", "--events", "5", option, value];
        var run = CliRun.Of(args);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public void Segment_MissingInput_NamesItAndExits2()
    {
        var run = CliRun.Of("segment", "/nonexistent/frame.tif", "--model", "whatever.pth");
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains("/nonexistent/frame.tif", run.Error);
    }

    [Fact]
    public void ModelAtVersion_IsThatVersionsWeights_UnknownVersionsAreNamed()
    {
        // The repository's zoo keeps every nuclei version; version 1 was superseded long ago.
        string first = ModelLocator.Resolve("nuclei@1");
        Assert.EndsWith(Path.Combine("nuclei", "versions", "1", "model.pth"), first);
        Assert.True(File.Exists(first));
        string current = new AcqSeg.Models.Zoo.ModelZoo(ModelLocator.ZooRoot()!).Manifest("nuclei").Current.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(ModelLocator.Resolve("nuclei"), ModelLocator.Resolve("nuclei@" + current));
        Assert.Contains("has no version 99", Assert.Throws<UsageException>(() => ModelLocator.Resolve("nuclei@99")).Message);
        Assert.Contains("must be a number", Assert.Throws<UsageException>(() => ModelLocator.Resolve("nuclei@v1")).Message);
        Assert.Contains("no zoo model 'nope'", Assert.Throws<UsageException>(() => ModelLocator.Resolve("nope@1")).Message);
    }

    [Fact]
    public void Run_ModelAtVersion_IsRefused_TheServiceKeepsItsOwnLiveVersion()
    {
        using var tmp = new TempFolder();
        var run = CliRun.Of("run", "--watch", tmp.Sub("watch"), "--out", tmp.Sub("out"), "--model", "nuclei@1");
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains("--model 'nuclei@1': the service runs a zoo model's live version; give the name ('nuclei')", run.Error);
    }

    [Fact]
    public void Segment_UnknownModel_NamesItAndExits2()
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("a.tif"), [0x49, 0x49, 42, 0, 8, 0, 0, 0]);
        var run = CliRun.Of("segment", tmp.File("a.tif"), "--model", "no-such-model");
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains("no-such-model", run.Error);
    }

    [Theory]
    [InlineData("--diameter", "-3")]
    [InlineData("--chan", "4")]
    [InlineData("--precision", "half")]
    [InlineData("--fast-tiles", "huge")]
    [InlineData("--chan2", "-1")]
    [InlineData("--tile-overlap", "0.9")]
    [InlineData("--flow-threshold", "-0.1")]
    [InlineData("--min-size", "-5")]
    [InlineData("--diameter", "abc")]
    public void Segment_BadOptionValue_NamesTheOptionAndExits2(string option, string value)
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("a.tif"), [0x49, 0x49, 42, 0, 8, 0, 0, 0]);
        var run = CliRun.Of("segment", tmp.File("a.tif"), "--model", "m.pth", option, value);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains(option, run.Error);
    }

    [Theory]
    [InlineData(new[] { "--save-npy", "--no_npy" }, "--save-npy and --no_npy contradict")]
    [InlineData(new[] { "--gpu_device", "1" }, "--gpu_device needs --use_gpu")]
    [InlineData(new[] { "--use_gpu", "--device", "cpu" }, "--use_gpu and --device cpu both name the device")]
    [InlineData(new[] { "--flow_threshold", "-1" }, "--flow-threshold -1 must be >= 0")]
    public void Segment_CellposeAliases_AreParsedAndChecked(string[] extra, string expected)
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("a.tif"), [0x49, 0x49, 42, 0, 8, 0, 0, 0]);
        var run = CliRun.Of(["segment", "--dir", tmp.Path, "--pretrained_model", "m.pth", .. extra]);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains(expected, run.Error);
    }

    [Fact]
    public void Segment_NoInputs_NamesBothWaysToGiveThem()
    {
        var run = CliRun.Of("segment", "--pretrained_model", "m.pth");
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains("--dir FOLDER / --image_path FILE", run.Error);
    }

    [Fact]
    public void Eval_MissingRequiredOptions_ExitCode2()
    {
        Assert.Equal(CliApp.UsageError, CliRun.Of("eval", "--pred", "/tmp").ExitCode);
    }

    [Fact]
    public void Eval_BadThresholds_ExitCode2()
    {
        using var tmp = new TempFolder();
        var run = CliRun.Of("eval", "--pred", tmp.Path, "--gt", tmp.Path, "--thresholds", "0.5,1.7");
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains("1.7", run.Error);
    }

    [Fact]
    public void Segment_EmptyFolder_SaysSoAndExits2()
    {
        using var tmp = new TempFolder();
        var run = CliRun.Of("segment", tmp.Path, "--model", "m.pth");
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains(tmp.Path, run.Error);
    }

    [Theory]
    [InlineData("--stop-after-epoch", "0", "--stop-after-epoch 0 must be >= 1")]
    [InlineData("--epochs", "0", "epochs 0 must be >= 1")]
    [InlineData("--test-dir", "/nonexistent/test", "--test-dir '/nonexistent/test' is not a folder")]
    [InlineData("--gamma-augment", "0.5", "--gamma-augment 0.5 must be between 1 (off) and 10")]
    public void Train_BadOptionValue_NamesTheOptionAndExits2(string option, string value, string message)
    {
        using var tmp = new TempFolder();
        var run = CliRun.Of("train", "--synth-style", "nuclei", "--synth-count", "2", "--name", "t", "--out", tmp.Sub("m"), option, value);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("assign")]
    public void UnopenableDatabase_IsOneLine_Exit2(string command)
    {
        using var tmp = new TempFolder();
        string[] args = command == "run"
            ? ["run", "--watch", tmp.Sub("watch"), "--out", tmp.Sub("out"), "--model", "nuclei", "--db", "/proc/acqseg-test/x.db", "--exit-when-idle", "1"]
            : ["assign", "acq", "nuclei", "--db", "/proc/acqseg-test/x.db"];
        var run = CliRun.Of(args);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        string line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--db '/proc/acqseg-test/x.db'", line);
    }

    [Theory]
    [InlineData(new[] { "run", "--role", "segment-worker", "--out", "OUT" }, "--role segment-worker needs --bus rabbitmq://")]
    [InlineData(new[] { "run", "--role", "watcher", "--out", "OUT", "--bus", "rabbitmq://u:p@127.0.0.1:1/" }, "--watch is required with --role watcher")]
    [InlineData(new[] { "run", "--role", "segment-worker", "--out", "OUT", "--bus", "rabbitmq://u:p@127.0.0.1:1/", "--exit-when-idle", "1" }, "--exit-when-idle needs --role all")]
    [InlineData(new[] { "soak", "--bus", "rabbitmq://u:p@127.0.0.1:1/", "--db", "soak.db" }, "is not a PostgreSQL connection")]
    [InlineData(new[] { "soak", "--bus", "memory", "--db", "Host=127.0.0.1;Database=d" }, "--bus must be rabbitmq://")]
    public void OneRoleProcessesAndTheSoak_WithoutWhatTheyNeed_SayWhatIsMissing_Exit2(string[] args, string message)
    {
        using var tmp = new TempFolder();
        var run = CliRun.Of(args.Select(a => a == "OUT" ? tmp.Sub("out") : a).ToArray());
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public void UnreachablePostgres_IsOneLine_WithoutThePassword()
    {
        using var tmp = new TempFolder();
        var run = CliRun.Of("run", "--watch", tmp.Sub("watch"), "--out", tmp.Sub("out"), "--model", "nuclei",
            "--db", "Host=127.0.0.1;Port=1;Username=u;Password=hunter22;Database=d", "--exit-when-idle", "1");
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        string line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("check that PostgreSQL is running", line);
        Assert.DoesNotContain("hunter22", line);
    }

    [Fact]
    public void Assign_OnADatabaseFileThatDoesNotExist_IsRefused_NotCreated()
    {
        using var tmp = new TempFolder();
        string db = tmp.File("typo.db");
        var run = CliRun.Of("assign", "acq", "nuclei", "--db", db);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains("no such database file", run.Error);
        Assert.False(File.Exists(db));
    }

    [Fact]
    public async Task Assign_ANameItCannotFind_IsStoredWithAWarning_AndAZooModelWithout_BothAsTheOperators()
    {
        using var tmp = new TempFolder();
        string db = tmp.File("service.db");
        var database = new Database(new DatabaseOptions { ConnectionString = db });
        await new SchemaMigrator(database, Microsoft.Extensions.Logging.Abstractions.NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        var store = new ModelStore(database);

        // A name this process cannot find may still be configured in the service (Models:Paths): stored, with a warning.
        var unknown = CliRun.Of("assign", "acq-lab", "lab-weights", "--db", db);
        Assert.True(unknown.ExitCode == CliApp.Ok, unknown.Error);
        Assert.Contains("warning: model 'lab-weights' is not in the zoo", unknown.Error);
        Assert.Contains("Models:Paths:lab-weights", unknown.Error);
        Assert.Equal("lab-weights", (await store.GetAssignmentAsync("acq-lab"))!.Model);

        // nuclei is a shipped zoo model: the same path as the AssignModel consumer stores it as the operator's choice.
        var known = CliRun.Of("assign", "acq", "nuclei", "--db", db);
        Assert.True(known.ExitCode == CliApp.Ok, known.Error);
        Assert.DoesNotContain("warning", known.Error);
        var row = await store.GetAssignmentAsync("acq");
        Assert.Equal(("nuclei", AcqSeg.Contracts.AssignmentSources.Operator), (row!.Model, row.Source));
    }

    [Theory]
    [InlineData(new[] { "assign", "acq", "nuclei" }, "give either --db")]
    [InlineData(new[] { "assign", "acq", "nuclei", "--db", "x.db", "--bus", "rabbitmq://u:p@127.0.0.1:1/" }, "give either --db")]
    [InlineData(new[] { "assign", "acq", "nuclei", "--bus", "memory" }, "for a service on the in-memory bus use --db")]
    [InlineData(new[] { "assign", "acq", "nuclei", "--bus", "rabbitmq://u:p@127.0.0.1:1/" }, "--bus: cannot reach RabbitMQ at 127.0.0.1:1")]
    public void Assign_WithoutOneTarget_OrAnUnreachableBroker_SaysWhat_Exit2(string[] args, string message)
    {
        var run = CliRun.Of(args);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public void Run_UnreachableBroker_IsOneLine_NamingHostAndPort()
    {
        using var tmp = new TempFolder();
        var run = CliRun.Of("run", "--watch", tmp.Sub("watch"), "--out", tmp.Sub("out"), "--model", "nuclei",
            "--bus", "rabbitmq://guest:guest@127.0.0.1:1/", "--exit-when-idle", "1");
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        string line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("cannot reach RabbitMQ at 127.0.0.1:1", line);
    }

    [Theory]
    [InlineData("--diameter", "abc", "expected a number")]
    [InlineData("--chan", "x", "expected a whole number")]
    public void UnparsableNumber_SaysWhatIsExpected_NotADotNetTypeName(string option, string value, string expected)
    {
        var run = CliRun.Of("segment", "x.tif", "--model", "m.pth", option, value);
        Assert.Equal(CliApp.UsageError, run.ExitCode);
        Assert.Contains($"'{value}' for option '{option}': {expected}", run.Error);
        Assert.DoesNotContain("System.", run.Error);
    }
}
