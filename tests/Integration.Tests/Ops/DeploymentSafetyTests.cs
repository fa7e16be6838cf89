using System.Text.Json;
using System.Text.RegularExpressions;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace AcqSeg.Integration.Tests.Ops;

/// <summary>
/// Issue 20 item 9, read from the files (no Docker engine here): nothing published beyond loopback, every account's
/// secret from the git-ignored .env with no default, healthchecks the dependants wait for, role images that do not run
/// as root, the GPU worker scraped, and a curator command inside the stack.
/// </summary>
public sealed partial class OpsFilesTests
{
    /// <summary>The profile of one-shot command services: nothing waits for them, so they need no healthcheck.</summary>
    private const string ToolsProfile = "tools";

    [Fact]
    public void Compose_PublishesPortsOnLoopbackOnly()
    {
        var problems = new List<string>();
        var publishing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, service) in Services())
        {
            if (BlockYaml.At(service, "network_mode") is "host") problems.Add($"{name}: network_mode host listens on every interface");
            foreach (var port in BlockYaml.At(service, "ports") as List<object?> ?? [])
            {
                publishing.Add(name);
                // Short syntax [IP:]HOST:CONTAINER, long syntax a mapping with host_ip; no IP means every interface.
                string? ip = port is string text ? (text.Split(':') is { Length: 3 } parts ? parts[0] : null) : BlockYaml.At(port, "host_ip") as string;
                if (ip != "127.0.0.1") problems.Add($"{name}: port {JsonSerializer.Serialize(port)} is published on every interface; bind it to 127.0.0.1");
            }
        }
        Assert.Empty(problems);
        Assert.Superset(new HashSet<string>(StringComparer.Ordinal) { "review-host", "grafana" }, publishing);
    }

    [Fact]
    public void Compose_TakesEveryAccountSecretFromTheEnvFile_WithNoDefault()
    {
        var problems = new List<string>();
        var variables = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, service) in Services())
        {
            foreach (var (key, value) in EnvironmentOf(service))
            {
                foreach (string secret in SecretsIn(key, value as string ?? ""))
                {
                    var reference = RequiredVariable().Match(secret);
                    if (reference.Success) variables.Add(reference.Groups[1].Value);
                    else problems.Add($"{name}: {key}: '{secret}' is a literal or has a default; write ${{NAME:?set NAME in .env}}");
                }
            }
        }
        Assert.Empty(problems);
        Assert.Superset(new HashSet<string>(StringComparer.Ordinal) { "POSTGRES_PASSWORD", "RABBITMQ_USER", "RABBITMQ_PASSWORD", "GRAFANA_ADMIN_PASSWORD" }, variables);
        var example = EnvExample();
        foreach (string variable in variables)
        {
            Assert.True(example.TryGetValue(variable, out string? placeholder), $".env.example does not list {variable}");
            // Empty, so an example copied unchanged stops compose (":?") rather than running on a published password.
            if (Password().IsMatch(variable)) Assert.True(placeholder.Length == 0, $".env.example gives {variable} a value ('{placeholder}'); leave it empty");
        }
        Assert.Contains(".env", File.ReadAllLines(Path.Combine(Root, ".gitignore")).Select(l => l.Trim().TrimStart('/')));
        foreach (var (name, service) in Services())
        {
            foreach (var volume in BlockYaml.At(service, "volumes") as List<object?> ?? [])
            {
                string source = ((string)volume!).Split(':')[0];
                if (source.StartsWith("./ops/", StringComparison.Ordinal) && File.Exists(Path.Combine(Root, source)))
                    Assert.False(PasswordSetting().IsMatch(File.ReadAllText(Path.Combine(Root, source))), $"{name}: {source} holds a password");
            }
        }
    }

    [Fact]
    public void Compose_EveryServiceHasAHealthcheck_AndDependantsWaitForIt()
    {
        var services = Services();
        var problems = new List<string>();
        foreach (var (name, service) in services)
        {
            // A one-shot command (run by hand) is never waited for; it only has to wait for what it needs.
            if (!Profiles(service).Contains(ToolsProfile)) problems.AddRange(HealthcheckProblems(name, service));
            if (BlockYaml.At(service, "depends_on") is null) continue;
            if (BlockYaml.At(service, "depends_on") is not Dictionary<string, object?> dependencies)
            {
                problems.Add($"{name}: depends_on is a list, which waits for a start, not for health");
                continue;
            }
            foreach (var (dependency, how) in dependencies)
            {
                if (BlockYaml.At(how, "condition") as string != "service_healthy") problems.Add($"{name}: does not wait for {dependency} to be healthy");
                if (services.TryGetValue(dependency, out var target) && BlockYaml.At(target, "healthcheck", "test") is null)
                    problems.Add($"{name}: waits for {dependency}, which has no healthcheck");
            }
        }
        Assert.Empty(problems);
        // The watcher migrates the schema, so it waits for both servers and every other role waits for it.
        Assert.Superset(new HashSet<string>(StringComparer.Ordinal) { "postgres", "rabbitmq" }, DependenciesOf(services["watcher"]));
        foreach (var (name, service) in services.Where(s => BlockYaml.At(s.Value, "build") is not null && s.Key != "watcher" && !Profiles(s.Value).Contains(ToolsProfile)))
            Assert.True(DependenciesOf(service).Contains("watcher"), $"{name} does not wait for the watcher's migrations");
    }

    [Fact]
    public void Compose_RoleImagesRunAsANonRootUser()
    {
        int roles = 0;
        foreach (var (name, service) in Services())
        {
            if (BlockYaml.At(service, "build", "dockerfile") is not string dockerfile) continue;
            roles++;
            string text = File.ReadAllText(Path.Combine(Root, dockerfile));
            string runtime = text[text.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];
            var users = Regex.Matches(runtime, @"^USER\s+(\S+)", RegexOptions.Multiline);
            Assert.True(users.Count > 0, $"{dockerfile}: the runtime stage has no USER line, so it runs as root");
            Assert.False(IsRoot(users[^1].Groups[1].Value), $"{dockerfile}: USER {users[^1].Groups[1].Value}");
            if (BlockYaml.At(service, "user") is string user)
            {
                string resolved = Interpolate(user, EnvExample());
                Assert.False(IsRoot(resolved), $"{name}: user '{user}' is '{resolved}' with .env.example");
            }
        }
        Assert.True(roles >= 5, $"only {roles} services build an image");
    }

    [Fact]
    public void PrometheusConfig_ScrapesEveryRoleServiceOfCompose_TheGpuWorkerToo()
    {
        var config = BlockYaml.Parse(File.ReadAllText(Path.Combine(Root, "ops", "prometheus", "prometheus.yml")));
        var targets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var job in (List<object?>)BlockYaml.At(config, "scrape_configs")!)
        {
            foreach (var stat in BlockYaml.At(job, "static_configs") as List<object?> ?? [])
                targets.UnionWith(((List<object?>)BlockYaml.At(stat, "targets")!).Cast<string>());
            foreach (var dns in BlockYaml.At(job, "dns_sd_configs") as List<object?> ?? [])
                targets.UnionWith(((List<object?>)BlockYaml.At(dns, "names")!).Cast<string>().Select(n => $"{n}:{BlockYaml.At(dns, "port")}"));
        }
        var services = Services();
        Assert.Contains("gpu", Profiles(services["segment-worker-gpu"]));
        foreach (var (name, service) in services.Where(s => BlockYaml.At(s.Value, "build") is not null && !Profiles(s.Value).Contains(ToolsProfile)))
            Assert.True(targets.Contains($"{name}:8080"), $"Prometheus does not scrape {name}:8080");
    }

    [Fact]
    public async Task Compose_CuratorsService_AddsACuratorToTheRolesDatabase()
    {
        var services = Services();
        Assert.True(services.TryGetValue("curators", out var curators), "no 'curators' service to run 'acqseg users' inside the stack");
        Assert.Contains(ToolsProfile, Profiles(curators));
        string dockerfile = File.ReadAllText(Path.Combine(Root, (string)BlockYaml.At(curators, "build", "dockerfile")!));
        Assert.Contains("dotnet publish src/Cli/Cli.csproj", dockerfile);
        Assert.Contains("WORKDIR /app", dockerfile);
        Assert.Equal(EnvironmentOf(services["watcher"])["Database__ConnectionString"], EnvironmentOf(curators)["ACQSEG_DB"]);
        Assert.Contains("docker compose run --rm curators add", File.ReadAllText(Path.Combine(Root, "README.md")));

        // The entrypoint as the container runs it (compose turns $$ into $), with this build's acqseg in place of /app's.
        var entrypoint = ((List<object?>)BlockYaml.At(curators, "entrypoint")!).Cast<string>()
            .Select(a => a.Replace("$$", "$", StringComparison.Ordinal).Replace("/app/", AppContext.BaseDirectory, StringComparison.Ordinal)).ToList();
        using var tmp = new TempFolder();
        string db = tmp.File("acqseg.db");
        await new SchemaMigrator(new Database(new DatabaseOptions { ConnectionString = db }), NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        string dotnetFolder = Path.GetDirectoryName(ChildProcess.DotnetHost()) ?? "";
        var environment = new Dictionary<string, string>
        {
            ["ACQSEG_DB"] = db,
            ["PASSWORD"] = "a curator's long password",
            ["PATH"] = $"{dotnetFolder}:{Environment.GetEnvironmentVariable("PATH")}",
        };
        var add = await ChildProcess.RunAsync("sh", ["-c", "printf '%s\\n' \"$PASSWORD\" | \"$@\"", "pipe", .. entrypoint, "add", "alice", "--password-stdin"],
            TimeSpan.FromMinutes(1), environment);
        Assert.True(add.ExitCode == 0, add.Output + add.Error);
        var list = await ChildProcess.RunAsync(entrypoint[0], [.. entrypoint.Skip(1), "list"], TimeSpan.FromMinutes(1), environment);
        Assert.True(list.ExitCode == 0, list.Output + list.Error);
        Assert.StartsWith("alice\t", list.Output, StringComparison.Ordinal);
    }

    /// <summary>What is wrong with a long-running service's healthcheck; a role must ask its own /health.</summary>
    private static IEnumerable<string> HealthcheckProblems(string name, object? service)
    {
        var test = BlockYaml.At(service, "healthcheck", "test") as List<object?>;
        if (test is not [("CMD" or "CMD-SHELL"), string tool, ..])
        {
            yield return $"{name}: no healthcheck test";
            yield break;
        }
        if (BlockYaml.At(service, "build", "dockerfile") is not string dockerfile) yield break;
        // The port the image sets, and a tool the image installs (the .NET runtime image has no HTTP client).
        string image = File.ReadAllText(Path.Combine(Root, dockerfile));
        string port = HttpPort().Match(image).Groups[1].Value;
        if (!string.Join(' ', test.Skip(1)).Contains($"127.0.0.1:{port}/health", StringComparison.Ordinal))
            yield return $"{name}: the healthcheck does not ask 127.0.0.1:{port}/health";
        if (!Regex.IsMatch(image, $@"apt-get install[^\n]*\b{Regex.Escape(tool)}\b"))
            yield return $"{name}: {dockerfile} does not install {tool}";
    }

    private static List<string> Profiles(object? service) => (BlockYaml.At(service, "profiles") as List<object?> ?? []).Cast<string>().ToList();

    private static Dictionary<string, object?> EnvironmentOf(object? service) =>
        BlockYaml.At(service, "environment") is { } env ? BlockYaml.Map(env, "environment") : [];

    private static HashSet<string> DependenciesOf(object? service) =>
        (BlockYaml.At(service, "depends_on") as Dictionary<string, object?>)?.Keys.ToHashSet(StringComparer.Ordinal) ?? [];

    /// <summary>NAME=value lines of .env.example (comments and blank lines skipped).</summary>
    private static Dictionary<string, string> EnvExample() =>
        File.ReadAllLines(Path.Combine(Root, ".env.example"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0].Trim(), p => p.Length > 1 ? p[1].Trim() : "", StringComparer.Ordinal);

    /// <summary>The secrets in one environment entry: the value of a password, secret, token or broker-user key, a
    /// connection string's Password=, a URI's user and password.</summary>
    private static IEnumerable<string> SecretsIn(string key, string value)
    {
        if (Password().IsMatch(key) || key is "RABBITMQ_DEFAULT_USER" or "Bus__RabbitMq__Username")
        {
            yield return value;
            yield break;
        }
        foreach (string part in value.Split(';'))
        {
            var (name, setting) = (part.Split('=', 2)[0].Trim(), part.Split('=', 2).ElementAtOrDefault(1));
            if (setting is not null && Password().IsMatch(name)) yield return setting.Trim();
        }
        if (UriCredentials().Match(value) is { Success: true } uri)
        {
            yield return uri.Groups[1].Value;
            yield return uri.Groups[2].Value;
        }
    }

    /// <summary>Compose's ${NAME:-default} and ${NAME} with the given variables (empty counts as unset, as ":-" does).</summary>
    private static string Interpolate(string text, IReadOnlyDictionary<string, string> variables) =>
        Regex.Replace(text, @"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}",
            m => variables.GetValueOrDefault(m.Groups[1].Value) is { Length: > 0 } set ? set : m.Groups[2].Value);

    private static bool IsRoot(string user) => user.Split(':')[0] is "root" or "0" or "";

    [GeneratedRegex(@"^\$\{([A-Za-z_][A-Za-z0-9_]*):\?[^}]+\}$")]
    private static partial Regex RequiredVariable();

    /// <summary>A key or variable that names a secret.</summary>
    [GeneratedRegex(@"(?i)(pass|password|secret|token)$")]
    private static partial Regex Password();

    /// <summary>A password set in a configuration file (RabbitMQ definitions or .conf, ini, YAML).</summary>
    [GeneratedRegex(@"(?im)(""password""\s*:|^\s*default_pass\s*=|^\s*password\s*[:=])")]
    private static partial Regex PasswordSetting();

    [GeneratedRegex(@"://([^:/@\s]+):([^@\s]+)@")]
    private static partial Regex UriCredentials();

    [GeneratedRegex(@"ASPNETCORE_HTTP_PORTS=(\d+)")]
    private static partial Regex HttpPort();
}
