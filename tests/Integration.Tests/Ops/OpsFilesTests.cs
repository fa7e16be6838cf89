using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using AcqSeg.Models;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost;
using AcqSeg.SegmentWorker;
using AcqSeg.ServiceDefaults;
using AcqSeg.TestSupport;
using AcqSeg.Watcher;

namespace AcqSeg.Integration.Tests.Ops;

/// <summary>
/// The deployment files (no Docker engine here): they parse, and they agree with the code — compose environment keys
/// are real option properties with values of the right type, dashboards query metrics the roles export, Prometheus
/// scrapes every role, Dockerfiles publish existing projects.
/// </summary>
public sealed partial class OpsFilesTests
{
    private static readonly string Root = SharedData.RepoRoot;
    private static readonly string[] Roles = ["watcher", "segment-worker", "train-worker", "review-host"];

    /// <summary>Options type per configuration section.</summary>
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.Ordinal)
    {
        [DatabaseOptions.SectionName] = typeof(DatabaseOptions),
        [BusOptions.SectionName] = typeof(BusOptions),
        [ModelsOptions.SectionName] = typeof(ModelsOptions),
        [AcqSeg.Models.Assignment.ModelChoiceOptions.SectionName] = typeof(AcqSeg.Models.Assignment.ModelChoiceOptions),
        [WatcherOptions.SectionName] = typeof(WatcherOptions),
        [SegmentWorkerOptions.SectionName] = typeof(SegmentWorkerOptions),
        [QualityGateOptions.SectionName] = typeof(QualityGateOptions),
        [ReviewOptions.SectionName] = typeof(ReviewOptions),
        [MetricsOptions.SectionName] = typeof(MetricsOptions),
        [AcqSeg.TrainWorker.TrainWorkerOptions.SectionName] = typeof(AcqSeg.TrainWorker.TrainWorkerOptions),
    };

    private static object? Compose() => BlockYaml.Parse(File.ReadAllText(Path.Combine(Root, "docker-compose.yml")));

    private static Dictionary<string, object?> Services() => BlockYaml.Map(BlockYaml.At(Compose(), "services"), "services");

    [Fact]
    public void Compose_DefinesTheServersAndEveryRole_WithBuildFilesAndMountedOpsFilesPresent()
    {
        var services = Services();
        foreach (string name in new[] { "rabbitmq", "postgres", "prometheus", "grafana" }.Concat(Roles))
            Assert.True(services.ContainsKey(name), $"docker-compose.yml has no service '{name}'");
        foreach (var (name, service) in services)
        {
            if (BlockYaml.At(service, "build", "dockerfile") is string dockerfile)
                Assert.True(File.Exists(Path.Combine(Root, dockerfile)), $"{name}: {dockerfile} missing");
            foreach (var volume in BlockYaml.At(service, "volumes") as List<object?> ?? [])
            {
                string source = ((string)volume!).Split(':')[0];
                if (source.StartsWith("./ops/", StringComparison.Ordinal))
                    Assert.True(File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)), $"{name}: mounts {source}, which is missing");
            }
        }
        var gpu = services["segment-worker-gpu"];
        Assert.Equal("nvidia", BlockYaml.At(((List<object?>)BlockYaml.At(gpu, "deploy", "resources", "reservations", "devices")!)[0], "driver"));
    }

    [Fact]
    public void Compose_RoleEnvironment_NamesRealOptionsWithValuesOfTheirType()
    {
        int checkedKeys = 0;
        var problems = new List<string>();
        foreach (var (name, service) in Services())
        {
            if (BlockYaml.At(service, "build") is null) continue;
            foreach (var (key, value) in BlockYaml.Map(BlockYaml.At(service, "environment"), $"{name}.environment"))
            {
                if (!key.Contains("__", StringComparison.Ordinal)) continue;
                string[] path = key.Split("__");
                if (!Sections.TryGetValue(path[0], out var type))
                {
                    problems.Add($"{name}: {key}: no options section '{path[0]}'");
                    continue;
                }
                string? problem = CheckPath(type, path.Skip(1).ToArray(), value as string);
                if (problem is not null) problems.Add($"{name}: {key}: {problem}");
                checkedKeys++;
            }
        }
        Assert.Empty(problems);
        Assert.True(checkedKeys > 40, $"only {checkedKeys} keys checked");
    }

    [Fact]
    public void Compose_RolesShareOneDatabaseBrokerAndMigrator()
    {
        var services = Services();
        var env = Roles.ToDictionary(r => r, r => BlockYaml.Map(BlockYaml.At(services[r], "environment"), r));
        Assert.Single(env.Values.Select(e => e["Database__ConnectionString"]).Distinct());
        Assert.All(env.Values, e => Assert.Equal(("rabbitmq", "rabbitmq"), (e["Bus__Transport"], e["Bus__RabbitMq__Host"])));
        // One migrator avoids two roles racing on the first schema creation.
        Assert.Equal(["watcher"], env.Where(e => (string?)e.Value.GetValueOrDefault("Database__MigrateOnStart") != "false").Select(e => e.Key));
        var postgres = BlockYaml.Map(BlockYaml.At(services["postgres"], "environment"), "postgres");
        var connection = new Npgsql.NpgsqlConnectionStringBuilder((string)env["watcher"]["Database__ConnectionString"]!);
        Assert.Equal((postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"], postgres["POSTGRES_DB"]), (connection.Username, connection.Password, connection.Database));
    }

    [Fact]
    public void RabbitMq_DefaultUserIsTheOneTheRolesConnectAs()
    {
        var services = Services();
        var broker = BlockYaml.Map(BlockYaml.At(services["rabbitmq"], "environment"), "rabbitmq");
        foreach (string role in Roles)
        {
            var env = BlockYaml.Map(BlockYaml.At(services[role], "environment"), role);
            Assert.Equal((broker["RABBITMQ_DEFAULT_USER"], broker["RABBITMQ_DEFAULT_PASS"]), (env["Bus__RabbitMq__Username"], env["Bus__RabbitMq__Password"]));
            // The default user's permissions cover the default virtual host only.
            Assert.Equal("/", env["Bus__RabbitMq__VirtualHost"]);
        }
        // A definitions import at boot would skip creating the default user, leaving the roles no account.
        var settings = File.ReadAllLines(Path.Combine(Root, "ops", "rabbitmq", "rabbitmq.conf")).Where(l => !l.TrimStart().StartsWith('#'));
        Assert.DoesNotContain(settings, l => l.Contains("definitions", StringComparison.Ordinal));
    }

    [Fact]
    public void Dashboard_ParsesAndQueriesOnlyMetricsTheRolesExport()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "ops", "grafana", "acqseg-dashboard.json")));
        var exported = typeof(AcqSegMetrics).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.GetValue(null)).OfType<Prometheus.Collector>().Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var expressions = doc.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!)).ToList();
        var used = expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value))
            .Select(n => Regex.Replace(n, "_(bucket|sum|count)$", "")).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(used.Except(exported));
        foreach (string needed in new[] { "acqseg_frames_acquired_total", "acqseg_frames_segmented_total", "acqseg_frames_flagged_total",
            "acqseg_frames_failed_total", "acqseg_segment_seconds", "acqseg_queue_depth", "acqseg_frames_in_flight", "acqseg_training_runs_total", "acqseg_model_version_info" })
            Assert.Contains(needed, used);
        Assert.Contains(expressions, e => e.Contains("rabbitmq_queue_messages_ready", StringComparison.Ordinal));
    }

    [Fact]
    public void Dashboard_FramesPanelsCountFramesPerSecond_AndFilterByAcquisitionAndModel()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "ops", "grafana", "acqseg-dashboard.json")));
        var variables = doc.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray()
            .ToDictionary(v => v.GetProperty("name").GetString()!, v => v.GetProperty("definition").GetString()!);
        Assert.Equal("label_values(acqseg_frames_acquired_total, acquisition)", variables["acquisition"]);
        Assert.Equal("label_values(acqseg_frames_segmented_total, model)", variables["model"]);

        var panels = doc.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.TryGetProperty("targets", out _)).ToList();
        // Grafana's "reqps" reads "req/s": a frames panel says frames.
        foreach (var p in panels)
            if (p.TryGetProperty("fieldConfig", out var field) && field.GetProperty("defaults").TryGetProperty("unit", out var unit))
                Assert.NotEqual("reqps", unit.GetString());
        var framesPerSecond = panels.Where(p => p.GetProperty("title").GetString()!.StartsWith("Frames per second", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, framesPerSecond.Count);
        Assert.All(framesPerSecond, p => Assert.Equal("suffix: frames/s", p.GetProperty("fieldConfig").GetProperty("defaults").GetProperty("unit").GetString()));

        // Every query of a series that carries the label follows the variable.
        var labelled = new Dictionary<string, string[]>
        {
            ["acqseg_frames_acquired_total"] = ["acquisition", "model"], ["acqseg_frames_segmented_total"] = ["acquisition", "model"],
            ["acqseg_frames_flagged_total"] = ["acquisition", "model"], ["acqseg_frames_failed_total"] = ["acquisition"],
            ["acqseg_segment_seconds_bucket"] = ["model"],
        };
        foreach (string expr in panels.SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!)))
            foreach (Match m in Regex.Matches(expr, @"(acqseg_[a-z0-9_]+)(\{[^}]*\})?"))
                if (labelled.TryGetValue(m.Groups[1].Value, out var labels))
                    // Failed frames carry no model (a frame can fail before one is chosen), so a ratio with them filters
                    // both sides by acquisition only.
                    foreach (string label in expr.Contains("acqseg_frames_failed_total", StringComparison.Ordinal) ? ["acquisition"] : labels)
                        Assert.True(m.Groups[2].Value.Contains($"{label}=~\"${label}\"", StringComparison.Ordinal), $"{m.Value} in {expr} ignores ${label}");
    }

    [Fact]
    public void GrafanaProvisioning_PointsAtTheComposePrometheusAndTheDashboardMount()
    {
        var datasource = ((List<object?>)BlockYaml.At(BlockYaml.Parse(File.ReadAllText(Path.Combine(Root, "ops", "grafana", "provisioning", "datasources", "prometheus.yml"))), "datasources")!)[0];
        Assert.Equal("http://prometheus:9090", BlockYaml.At(datasource, "url"));
        var provider = ((List<object?>)BlockYaml.At(BlockYaml.Parse(File.ReadAllText(Path.Combine(Root, "ops", "grafana", "provisioning", "dashboards", "acqseg.yml"))), "providers")!)[0];
        string folder = (string)BlockYaml.At(provider, "options", "path")!;
        var mounts = (List<object?>)BlockYaml.At(Services()["grafana"], "volumes")!;
        Assert.Contains(mounts, m => ((string)m!).Split(':')[1].StartsWith(folder + "/", StringComparison.Ordinal));
    }

    [Fact]
    public void PrometheusConfig_ScrapesEveryRoleAndTheBroker()
    {
        var config = BlockYaml.Parse(File.ReadAllText(Path.Combine(Root, "ops", "prometheus", "prometheus.yml")));
        var jobs = ((List<object?>)BlockYaml.At(config, "scrape_configs")!).ToDictionary(j => (string)BlockYaml.At(j, "job_name")!);
        foreach (string role in Roles)
        {
            Assert.True(jobs.ContainsKey(role), $"no scrape job for {role}");
            string text = JsonSerializer.Serialize(jobs[role]);
            Assert.Contains($"{role}", text);
            Assert.Contains("8080", text);
        }
        Assert.Contains("rabbitmq:15692", JsonSerializer.Serialize(jobs["rabbitmq"]));
    }

    [SkippableFact]
    public void PrometheusConfig_PassesPromtool()
    {
        string promtool = Path.Combine(Path.GetDirectoryName(Servers.PrometheusBinary)!, "promtool");
        Skip.IfNot(File.Exists(promtool), $"promtool not beside {Servers.PrometheusBinary}");
        var run = ChildProcess.Run(promtool, ["check", "config", Path.Combine(Root, "ops", "prometheus", "prometheus.yml")], TimeSpan.FromMinutes(1));
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
    }

    [Fact]
    public void Dockerfiles_PublishTheirRoleProjectOntoTheAspNetRuntime()
    {
        var files = Directory.GetFiles(Path.Combine(Root, "ops", "docker"), "*.Dockerfile");
        Assert.Equal(["Cli", "ReviewHost", "SegmentWorker", "TrainWorker", "Watcher"], files.Select(f => Path.GetFileName(f)[..^".Dockerfile".Length]).Order(StringComparer.Ordinal));
        foreach (string file in files)
        {
            string role = Path.GetFileName(file)[..^".Dockerfile".Length];
            string text = File.ReadAllText(file);
            Assert.Contains($"dotnet publish src/{role}/{role}.csproj", text);
            Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:", text);
            string assembly = role == "Cli" ? "acqseg" : $"AcqSeg.{role}";
            Assert.Contains($"ENTRYPOINT [\"dotnet\", \"{assembly}.dll\"]", text);
            string project = Path.Combine(Root, "src", role, $"{role}.csproj");
            Assert.True(File.Exists(project), project);
        }
    }

    [Fact]
    public void BlockYaml_ReadsTheSubsetAndRejectsWhatItDoesNotKnow()
    {
        var doc = BlockYaml.Parse("""
            # comment
            a: 1
            b:
              c: "x: y"   # trailing comment
              d: [p, 'q r']
            e:
            - f: 2
              g: 3
            - plain
            """);
        Assert.Equal("1", BlockYaml.At(doc, "a"));
        Assert.Equal("x: y", BlockYaml.At(doc, "b", "c"));
        Assert.Equal(["p", "q r"], (List<object?>)BlockYaml.At(doc, "b", "d")!);
        var e = (List<object?>)BlockYaml.At(doc, "e")!;
        Assert.Equal(("2", "3", "plain"), (BlockYaml.At(e[0], "f"), BlockYaml.At(e[0], "g"), e[1]));
        Assert.Throws<FormatException>(() => BlockYaml.Parse("a: &anchor 1"));
        Assert.Throws<FormatException>(() => BlockYaml.Parse("a: 1\n   b: 2"));
        Assert.Throws<FormatException>(() => BlockYaml.Parse("a: 1\na: 2"));
    }

    /// <summary>Null when the configuration path binds to a property and the value converts; else what is wrong.</summary>
    private static string? CheckPath(Type type, string[] path, string? value)
    {
        var current = type;
        for (int i = 0; i < path.Length; i++)
        {
            if (current.IsGenericType && current.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                current = current.GetGenericArguments()[1];
                continue;
            }
            if (current != typeof(string) && typeof(IEnumerable).IsAssignableFrom(current))
            {
                if (!int.TryParse(path[i], NumberStyles.None, CultureInfo.InvariantCulture, out _)) return $"'{path[i]}' is not a list index";
                current = current.IsArray ? current.GetElementType()! : current.GetGenericArguments()[0];
                continue;
            }
            var property = current.GetProperty(path[i], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite) return $"{current.Name} has no settable property '{path[i]}'";
            current = property.PropertyType;
        }
        if (value is null || value.Contains("${", StringComparison.Ordinal)) return null;
        var target = Nullable.GetUnderlyingType(current) ?? current;
        bool ok = target == typeof(string)
            || (target == typeof(int) && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            || (target == typeof(long) && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            || (target == typeof(double) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            || (target == typeof(float) && float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            || (target == typeof(bool) && bool.TryParse(value, out _));
        return ok ? null : $"'{value}' is not a {target.Name}";
    }

    [GeneratedRegex(@"\bacqseg_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
