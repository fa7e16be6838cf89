using System.Globalization;
using System.Text.RegularExpressions;
using AcqSeg.SegmentWorker;
using AcqSeg.SegmentWorker.Consumers;
using AcqSeg.TestSupport;
using MassTransit;
using Microsoft.Extensions.Options;

namespace AcqSeg.Integration.Tests.Ops;

/// <summary>
/// Issue 23, the Kubernetes manifests, as `kubectl kustomize ops/k8s` renders them (Debian's kubectl 1.20 in CI, or a
/// newer one): every role a Deployment probed on /health, every pod unprivileged, the GPU worker on a GPU and scaled by
/// KEDA on the segment queue, the shared claim where compose mounts folders, and environment keys that are options.
/// </summary>
public sealed partial class OpsFilesTests
{
    /// <summary>The Deployments, named as compose's services (their images are built by the same Dockerfiles).</summary>
    private static readonly Dictionary<string, string> K8sRoleDockerfiles = new(StringComparer.Ordinal)
    {
        ["watcher"] = "Watcher",
        ["segment-worker"] = "SegmentWorker",
        ["segment-worker-gpu"] = "SegmentWorker",
        ["train-worker"] = "TrainWorker",
        ["review-host"] = "ReviewHost",
    };

    private static readonly Lazy<(List<object?>? Objects, string Problem)> Rendered = new(RenderKustomization);

    [SkippableFact]
    public void K8s_EveryRoleIsADeployment_ProbedOnItsHealthPort_WithResources()
    {
        foreach (var (role, dockerfile) in K8sRoleDockerfiles)
        {
            var pod = PodSpec(Single("Deployment", role));
            var container = MainContainer(pod, role);
            string imagePort = HttpPort().Match(File.ReadAllText(Path.Combine(Root, "ops", "docker", $"{dockerfile}.Dockerfile"))).Groups[1].Value;
            foreach (string probe in new[] { "readinessProbe", "livenessProbe" })
            {
                var get = BlockYaml.At(container, probe, "httpGet");
                Assert.True(get is not null, $"{role}: no {probe} with httpGet");
                Assert.Equal("/health", BlockYaml.At(get, "path"));
                Assert.True(ContainerPort(container, BlockYaml.At(get, "port") as string) == imagePort, $"{role}: {probe} does not ask port {imagePort}, where the image serves /health");
            }
            foreach (var each in Containers(pod, "containers").Concat(Containers(pod, "initContainers")))
            {
                foreach (string bound in new[] { "requests", "limits" })
                {
                    foreach (string resource in new[] { "cpu", "memory" })
                        Assert.True(BlockYaml.At(each, "resources", bound, resource) is string, $"{role}/{BlockYaml.At(each, "name")}: no resources.{bound}.{resource}");
                }
            }
        }
        // The servers are in the cluster too, each probed and on a volume of its own.
        foreach (string server in new[] { "rabbitmq", "postgres" })
        {
            var set = Single("StatefulSet", server);
            var container = MainContainer(PodSpec(set), server);
            Assert.NotNull(BlockYaml.At(container, "readinessProbe", "exec", "command"));
            Assert.NotNull(BlockYaml.At(container, "livenessProbe", "exec", "command"));
            Assert.NotEmpty(BlockYaml.At(set, "spec", "volumeClaimTemplates") as List<object?> ?? []);
            Assert.Equal(server, BlockYaml.At(Single("Service", server), "metadata", "name"));
        }
        var review = Single("Service", "review-host");
        Assert.Equal("review-host", BlockYaml.At(review, "spec", "selector", "app.kubernetes.io/name"));
        Assert.Equal("8080", ContainerPort(MainContainer(PodSpec(Single("Deployment", "review-host")), "review-host"), BlockYaml.At(((List<object?>)BlockYaml.At(review, "spec", "ports")!)[0], "targetPort") as string));
    }

    [SkippableFact]
    public void K8s_EveryPodRunsAsTheImagesUnprivilegedUser_WithoutEscalation()
    {
        int pods = 0;
        foreach (var workload in Objects().Where(o => BlockYaml.At(o, "kind") is "Deployment" or "StatefulSet"))
        {
            pods++;
            string name = (string)BlockYaml.At(workload, "metadata", "name")!;
            var pod = PodSpec(workload);
            Assert.True(BlockYaml.At(pod, "securityContext", "runAsNonRoot") is "true", $"{name}: securityContext.runAsNonRoot is not true");
            Assert.True(BlockYaml.At(pod, "securityContext", "runAsUser") is "1654", $"{name}: securityContext.runAsUser is not 1654, the images' user");
            foreach (var container in Containers(pod, "containers").Concat(Containers(pod, "initContainers")))
            {
                string what = $"{name}/{BlockYaml.At(container, "name")}";
                Assert.True(BlockYaml.At(container, "securityContext", "allowPrivilegeEscalation") is "false", $"{what}: allowPrivilegeEscalation is not false");
                Assert.False(BlockYaml.At(container, "securityContext", "privileged") is "true", $"{what}: privileged");
                Assert.False(BlockYaml.At(container, "securityContext", "runAsUser") is "0", $"{what}: runs as root");
            }
        }
        Assert.Equal(K8sRoleDockerfiles.Count + 2, pods);
    }

    [SkippableFact]
    public void K8s_GpuWorker_RequestsAGpu_AndKedaScalesItFromZeroOnTheSegmentQueue()
    {
        var gpu = Single("Deployment", "segment-worker-gpu");
        var pod = PodSpec(gpu);
        var container = MainContainer(pod, "segment-worker-gpu");
        Assert.True(int.TryParse(BlockYaml.At(container, "resources", "limits", "nvidia.com/gpu") as string, CultureInfo.InvariantCulture, out int gpus) && gpus >= 1,
            "segment-worker-gpu: no resources.limits nvidia.com/gpu");
        Assert.Equal("cuda", EnvValue(container, "SegmentWorker__Device"));
        bool onGpuNodes = (BlockYaml.At(pod, "nodeSelector") as Dictionary<string, object?> ?? []).Keys.Any(k => k.StartsWith("nvidia.com/", StringComparison.Ordinal))
            || (BlockYaml.At(pod, "tolerations") as List<object?> ?? []).Any(t => BlockYaml.At(t, "key") is "nvidia.com/gpu");
        Assert.True(onGpuNodes, "segment-worker-gpu: no nodeSelector or toleration for GPU nodes");
        // KEDA owns the count; a replicas field would be put back on every apply.
        Assert.Null(BlockYaml.At(gpu, "spec", "replicas"));

        var scaler = Assert.Single(Objects(), o => BlockYaml.At(o, "kind") is "ScaledObject");
        Assert.Equal("segment-worker-gpu", BlockYaml.At(scaler, "spec", "scaleTargetRef", "name"));
        Assert.True(BlockYaml.At(scaler, "spec", "scaleTargetRef", "kind") is null or "Deployment");
        Assert.Equal("0", BlockYaml.At(scaler, "spec", "minReplicaCount"));
        Assert.True(int.Parse((string)BlockYaml.At(scaler, "spec", "maxReplicaCount")!, CultureInfo.InvariantCulture) >= 1);
        var trigger = Assert.Single((List<object?>)BlockYaml.At(scaler, "spec", "triggers")!);
        Assert.Equal("rabbitmq", BlockYaml.At(trigger, "type"));
        // The queue MassTransit declares for the segment consumer, from its definition rather than a copy of the name.
        IConsumerDefinition definition = new SegmentFramesConsumerDefinition(Options.Create(new SegmentWorkerOptions()));
        string queue = definition.GetEndpointName(DefaultEndpointNameFormatter.Instance);
        Assert.Equal(queue, BlockYaml.At(trigger, "metadata", "queueName"));
        Assert.Equal("QueueLength", BlockYaml.At(trigger, "metadata", "mode"));

        // The broker's address and account come from the Secret the roles read theirs from.
        string authName = (string)BlockYaml.At(trigger, "authenticationRef", "name")!;
        var auth = Single("TriggerAuthentication", authName);
        var host = Assert.Single((List<object?>)BlockYaml.At(auth, "spec", "secretTargetRef")!, r => BlockYaml.At(r, "parameter") is "host");
        var password = (Dictionary<string, object?>)BlockYaml.At(EnvEntry(container, "Bus__RabbitMq__Password"), "valueFrom", "secretKeyRef")!;
        Assert.Equal(password["name"], BlockYaml.At(host, "name"));
    }

    [SkippableFact]
    public void K8s_SharedClaim_IsReadWriteMany_AndMountedWhereComposeMountsTheFolders()
    {
        var claims = Objects().Where(o => BlockYaml.At(o, "kind") is "PersistentVolumeClaim").ToList();
        var shared = Assert.Single(claims, c => (BlockYaml.At(c, "spec", "accessModes") as List<object?> ?? []).Contains("ReadWriteMany"));
        string claim = (string)BlockYaml.At(shared, "metadata", "name")!;
        var services = Services();
        foreach (string role in K8sRoleDockerfiles.Keys)
        {
            var pod = PodSpec(Single("Deployment", role));
            var volumes = (BlockYaml.At(pod, "volumes") as List<object?> ?? [])
                .Where(v => BlockYaml.At(v, "persistentVolumeClaim", "claimName") as string == claim).Select(v => (string)BlockYaml.At(v, "name")!).ToHashSet(StringComparer.Ordinal);
            var mounts = (BlockYaml.At(MainContainer(pod, role), "volumeMounts") as List<object?> ?? [])
                .Where(m => volumes.Contains((string)BlockYaml.At(m, "name")!))
                .ToDictionary(m => (string)BlockYaml.At(m, "mountPath")!, m => BlockYaml.At(m, "readOnly") is "true", StringComparer.Ordinal);
            // Messages carry file paths, so each role sees the folders where compose's container does, as writable.
            var compose = ((List<object?>)BlockYaml.At(services[role], "volumes")!).Cast<string>().Select(v => Interpolate(v, EnvExample()).Split(':'))
                .ToDictionary(p => p[1], p => p.Length > 2 && p[2] == "ro", StringComparer.Ordinal);
            Assert.True(compose.OrderBy(p => p.Key, StringComparer.Ordinal).SequenceEqual(mounts.OrderBy(p => p.Key, StringComparer.Ordinal)),
                $"{role}: mounts {Describe(mounts)} from {claim}; compose mounts {Describe(compose)}");
        }
        Assert.Contains("/acquisitions", MountPaths("watcher"));
        Assert.Contains("/outputs", MountPaths("segment-worker-gpu"));
    }

    [SkippableFact]
    public void K8s_RoleEnvironment_NamesRealOptions_AndTheInClusterServers()
    {
        var configMaps = Objects().Where(o => BlockYaml.At(o, "kind") is "ConfigMap")
            .ToDictionary(o => (string)BlockYaml.At(o, "metadata", "name")!, o => BlockYaml.At(o, "data") as Dictionary<string, object?> ?? [], StringComparer.Ordinal);
        var problems = new List<string>();
        int checkedKeys = 0;
        var migrators = new List<string>();
        var postgres = MainContainer(PodSpec(Single("StatefulSet", "postgres")), "postgres");
        foreach (string role in K8sRoleDockerfiles.Keys)
        {
            var container = MainContainer(PodSpec(Single("Deployment", role)), role);
            var defined = new HashSet<string>(StringComparer.Ordinal);
            var settings = new List<(string Key, string? Value)>();
            foreach (var source in BlockYaml.At(container, "envFrom") as List<object?> ?? [])
            {
                string map = (string)BlockYaml.At(source, "configMapRef", "name")!;
                if (!configMaps.TryGetValue(map, out var data)) { problems.Add($"{role}: envFrom names ConfigMap {map}, which is not rendered"); continue; }
                settings.AddRange(data.Select(d => (d.Key, d.Value as string)));
                defined.UnionWith(data.Keys);
            }
            foreach (var entry in BlockYaml.At(container, "env") as List<object?> ?? [])
            {
                string name = (string)BlockYaml.At(entry, "name")!;
                string? value = BlockYaml.At(entry, "value") as string;
                // Kubernetes expands $(NAME) only from variables defined before it.
                foreach (Match reference in Regex.Matches(value ?? "", @"\$\(([A-Za-z_][A-Za-z0-9_]*)\)"))
                    if (!defined.Contains(reference.Groups[1].Value)) problems.Add($"{role}: {name} refers to $({reference.Groups[1].Value}) before it is defined");
                settings.Add((name, value));
                defined.Add(name);
            }
            foreach (var (key, value) in settings.Where(s => s.Key.Contains("__", StringComparison.Ordinal)))
            {
                string[] path = key.Split("__");
                string? problem = Sections.TryGetValue(path[0], out var type) ? CheckPath(type, path[1..], value) : $"no options section '{path[0]}'";
                if (problem is not null) problems.Add($"{role}: {key}: {problem}");
                checkedKeys++;
            }
            var env = settings.GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
            if (env.GetValueOrDefault("Database__MigrateOnStart") != "false") migrators.Add(role);
            var connection = new Npgsql.NpgsqlConnectionStringBuilder(env.GetValueOrDefault("Database__ConnectionString") ?? "");
            Assert.Equal(("postgres", EnvValue(postgres, "POSTGRES_USER"), EnvValue(postgres, "POSTGRES_DB")), (connection.Host, connection.Username, connection.Database));
            Assert.Equal(("rabbitmq", "rabbitmq"), (env.GetValueOrDefault("Bus__Transport"), env.GetValueOrDefault("Bus__RabbitMq__Host")));
        }
        Assert.Empty(problems);
        Assert.True(checkedKeys > 50, $"only {checkedKeys} keys checked");
        // One migrator, as in compose: two roles would race on the first schema creation.
        Assert.Equal(["watcher"], migrators);
    }

    [SkippableFact]
    public void K8s_CredentialsComeFromAUserMadeSecret_ThatTheExampleDescribes()
    {
        // No Secret is rendered, so none is committed: the user creates it (examples/secret.example.yaml).
        Assert.DoesNotContain(Objects(), o => BlockYaml.At(o, "kind") is "Secret");
        var references = new HashSet<(string Name, string Key)>();
        foreach (var workload in Objects().Where(o => BlockYaml.At(o, "kind") is "Deployment" or "StatefulSet"))
        {
            foreach (var container in Containers(PodSpec(workload), "containers"))
            {
                foreach (var entry in BlockYaml.At(container, "env") as List<object?> ?? [])
                {
                    string name = (string)BlockYaml.At(entry, "name")!;
                    if (BlockYaml.At(entry, "valueFrom", "secretKeyRef") is { } secret)
                        references.Add(((string)BlockYaml.At(secret, "name")!, (string)BlockYaml.At(secret, "key")!));
                    else if (Password().IsMatch(name) || name is "Bus__RabbitMq__Username" or "RABBITMQ_DEFAULT_USER")
                        Assert.Fail($"{BlockYaml.At(workload, "metadata", "name")}: {name} is written in the manifest, not read from a Secret");
                }
            }
        }
        foreach (var auth in Objects().Where(o => BlockYaml.At(o, "kind") is "TriggerAuthentication"))
            foreach (var target in (List<object?>)BlockYaml.At(auth, "spec", "secretTargetRef")!)
                references.Add(((string)BlockYaml.At(target, "name")!, (string)BlockYaml.At(target, "key")!));

        var example = BlockYaml.Parse(File.ReadAllText(Path.Combine(Root, "ops", "k8s", "examples", "secret.example.yaml")));
        Assert.Equal("Secret", BlockYaml.At(example, "kind"));
        var keys = BlockYaml.Map(BlockYaml.At(example, "stringData"), "stringData");
        Assert.Equal([(string)BlockYaml.At(example, "metadata", "name")!], references.Select(r => r.Name).Distinct());
        Assert.Superset(keys.Keys.ToHashSet(StringComparer.Ordinal), references.Select(r => r.Key).ToHashSet(StringComparer.Ordinal));
        foreach (var (key, value) in keys.Where(k => Password().IsMatch(k.Key)))
            Assert.True(value is "" or null, $"secret.example.yaml gives {key} a value; leave it empty");
        Assert.Contains("kubectl apply -k ops/k8s", File.ReadAllText(Path.Combine(Root, "README.md")));
    }

    /// <summary>The rendered objects; skipped without kubectl, except under CI, where its absence fails the test.</summary>
    private static List<object?> Objects()
    {
        var (objects, problem) = Rendered.Value;
        if (objects is null && Environment.GetEnvironmentVariable("CI") is null) Skip.If(problem.StartsWith("no kubectl", StringComparison.Ordinal), problem);
        Assert.True(objects is not null, problem);
        return objects;
    }

    private static (List<object?>? Objects, string Problem) RenderKustomization()
    {
        string? kubectl = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "kubectl")).FirstOrDefault(File.Exists);
        if (kubectl is null) return (null, "no kubectl on PATH: install Debian's kubernetes-client (ops/services.sh does) to render ops/k8s");
        var run = ChildProcess.Run(kubectl, ["kustomize", Path.Combine(Root, "ops", "k8s")], TimeSpan.FromMinutes(2));
        if (run.ExitCode != 0) return (null, $"kubectl kustomize ops/k8s failed ({run.ExitCode}): {run.Error}");
        var documents = Regex.Split(run.Output, @"^---[ \t]*$", RegexOptions.Multiline).Where(d => d.Trim().Length > 0);
        return (documents.Select(BlockYaml.Parse).ToList(), "");
    }

    private static object? Single(string kind, string name)
    {
        var found = Objects().Where(o => BlockYaml.At(o, "kind") as string == kind && BlockYaml.At(o, "metadata", "name") as string == name).ToList();
        Assert.True(found.Count == 1, $"ops/k8s renders {found.Count} {kind} named {name}");
        return found[0];
    }

    private static object? PodSpec(object? workload) => BlockYaml.At(workload, "spec", "template", "spec");

    private static IEnumerable<object?> Containers(object? pod, string field) => BlockYaml.At(pod, field) as List<object?> ?? [];

    private static object? MainContainer(object? pod, string name)
    {
        var container = Containers(pod, "containers").FirstOrDefault(c => BlockYaml.At(c, "name") as string == name);
        Assert.True(container is not null, $"{name}: no container named {name}");
        return container;
    }

    /// <summary>A probe's or Service's port as a number: a number stays, a name is looked up in the container's ports.</summary>
    private static string? ContainerPort(object? container, string? port) =>
        port is not null && port.All(char.IsAsciiDigit) ? port
            : (BlockYaml.At(container, "ports") as List<object?> ?? []).Where(p => BlockYaml.At(p, "name") as string == port)
                .Select(p => BlockYaml.At(p, "containerPort") as string).FirstOrDefault();

    private static object? EnvEntry(object? container, string name) =>
        (BlockYaml.At(container, "env") as List<object?> ?? []).FirstOrDefault(e => BlockYaml.At(e, "name") as string == name);

    private static string? EnvValue(object? container, string name) => BlockYaml.At(EnvEntry(container, name), "value") as string;

    private static IEnumerable<string> MountPaths(string role) =>
        (BlockYaml.At(MainContainer(PodSpec(Single("Deployment", role)), role), "volumeMounts") as List<object?> ?? []).Select(m => (string)BlockYaml.At(m, "mountPath")!);

    private static string Describe(Dictionary<string, bool> mounts) =>
        string.Join(", ", mounts.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => m.Value ? $"{m.Key}:ro" : m.Key));
}
