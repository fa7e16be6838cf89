using System.Reflection;
using System.Text.RegularExpressions;
using AcqSeg.Contracts;
using AcqSeg.TestSupport;
using MassTransit;

namespace AcqSeg.Hosts.Tests;

/// <summary>
/// docs/contracts.md lists every bus message, who sends it and who consumes it. Every message either has a consumer
/// in the product (named in the table, and implementing IConsumer of that message) or is marked an integration event.
/// </summary>
public sealed partial class ContractsDocumentTests
{
    private static readonly Assembly[] Hosts =
    [
        typeof(AcqSeg.Watcher.Extensions.WatcherExtensions).Assembly,
        typeof(AcqSeg.SegmentWorker.Extensions.SegmentWorkerExtensions).Assembly,
        typeof(AcqSeg.TrainWorker.Extensions.TrainWorkerExtensions).Assembly,
        typeof(AcqSeg.ReviewHost.Apis.ReviewApi).Assembly,
    ];

    [Fact]
    public void EveryMessage_IsInTheTable_WithItsConsumerInTheCode_OrMarkedAnIntegrationEvent()
    {
        string doc = File.ReadAllText(Path.Combine(SharedData.RepoRoot, "docs", "contracts.md"));
        var rows = Row().Matches(doc).ToDictionary(m => m.Groups["message"].Value, m => m.Groups["consumer"].Value.Trim());
        var messages = typeof(FrameAcquired).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "AcqSeg.Contracts" && t.IsClass && !t.IsAbstract).Select(t => t.Name).Order().ToList();
        Assert.Equal(messages, rows.Keys.Order().ToList());

        var consumers = Hosts.SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>))
                .Select(i => (Consumer: t.Name, Message: ConsumedMessage(i.GetGenericArguments()[0]).Name)))
            .ToList();
        foreach (var (message, consumedBy) in rows)
        {
            var inCode = consumers.Where(c => c.Message == message).Select(c => c.Consumer).ToList();
            if (consumedBy == "integration event")
            {
                Assert.True(inCode.Count == 0, $"{message} is marked an integration event but {string.Join(", ", inCode)} consume it");
                continue;
            }
            Assert.True(inCode.Count > 0, $"{message}: the table names '{consumedBy}', but no consumer of it exists; consume it or mark it an integration event");
            foreach (string consumer in inCode)
                Assert.True(consumedBy.Contains($"`{consumer}`", StringComparison.Ordinal), $"{message}: {consumer} consumes it but the table says '{consumedBy}'");
        }
    }

    /// <summary>A batch consumer (IConsumer&lt;Batch&lt;T&gt;&gt;) consumes T's messages.</summary>
    private static Type ConsumedMessage(Type consumed) =>
        consumed.IsGenericType && consumed.GetGenericTypeDefinition() == typeof(Batch<>) ? consumed.GetGenericArguments()[0] : consumed;

    // | `Name` | kind | sent by | consumed by |
    [GeneratedRegex(@"^\| `(?<message>\w+)` \| (?:event|command) \| [^|]+ \| (?<consumer>[^|]+) \|$", RegexOptions.Multiline)]
    private static partial Regex Row();
}
