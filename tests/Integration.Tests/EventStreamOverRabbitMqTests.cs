using AcqSeg.AllRolesHost;
using AcqSeg.Cli;
using AcqSeg.Contracts;
using AcqSeg.Hosts.Tests.ReviewHost;
using AcqSeg.ReviewHost.Consumers;
using AcqSeg.ReviewHost.Events;
using AcqSeg.TestSupport;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace AcqSeg.Integration.Tests;

/// <summary>
/// Two standalone review hosts on one broker (issue 23): each has a temporary queue of its own for the frame events, so
/// a client of either stream sees every frame, and a stopped host's queue is deleted.
/// </summary>
public sealed class EventStreamOverRabbitMqTests
{
    [SkippableFact]
    public async Task TwoReviewHosts_EachStreamGetsEveryFrameEvent_AndAStoppedHostsQueueIsDeleted()
    {
        await using var vhost = await Broker.CreateVirtualHostAsync();
        using var tmp = new TempFolder("acqseg-it-events");
        await using var database = await PostgresServer.CreateDatabaseAsync();
        string model = Path.Combine(tmp.Path, "m.pth");
        File.WriteAllText(model, "never loaded: the review host runs no model");
        RunSettings Settings() => ServiceUnderTest.RealServerSettings(tmp.Sub("watch"), tmp.Sub("out"), "m", model, vhost.Bus, database.ConnectionString);

        await using var first = await ServiceUnderTest.StartRoleAsync(PipelineRole.ReviewHost, Settings());
        var second = await ServiceUnderTest.StartRoleAsync(PipelineRole.ReviewHost, Settings());
        bool secondStopped = false;
        try
        {
            using var o = new StringWriter();
            using var e = new StringWriter();
            Assert.True(CliApp.Run(["users", "add", "controller", "--db", database.ConnectionString, "--password-stdin"], o, e,
                new StringReader("a long enough password\n")) == CliApp.Ok, $"users add: {o} {e}");
            o.GetStringBuilder().Clear();
            Assert.True(CliApp.Run(["users", "token", "controller", "--db", database.ConnectionString], o, e) == CliApp.Ok, $"users token: {e}");
            string token = o.ToString().Trim();

            // The hosts' starts return before the bus has bound every queue.
            await Eventually.HoldsAsync("a frame-event queue per review host", TimeSpan.FromMinutes(1), async () =>
            {
                var queues = await Broker.QueuesAsync(vhost.Name, FrameEventsConsumerDefinition.QueuePrefix);
                return (queues.Count == 2, string.Join(", ", queues.Select(q => q.Name)));
            });
            var bound = await Broker.QueuesAsync(vhost.Name, FrameEventsConsumerDefinition.QueuePrefix);
            // Temporary: not durable, and the broker deletes it a minute after its last consumer left.
            Assert.All(bound, q => Assert.True(!q.Durable && q.Arguments.Contains("\"x-expires\",60000", StringComparison.Ordinal),
                $"{q.Name}: durable {q.Durable}, arguments {q.Arguments}"));

            using var a = Client(first, token);
            using var b = Client(second, token);
            await using var streamA = await EventStreamClient.OpenAsync(a);
            await using var streamB = await EventStreamClient.OpenAsync(b);
            var frames = Enumerable.Range(1, 3).Select(i => new FrameSegmented(Guid.NewGuid(), "plate1", $"/data/plate1/f{i}.tif", "m", 1, 10 * i,
                $"/out/plate1/f{i}_cp_masks.tif", null, null, null, false, 0.5, DateTimeOffset.UtcNow, MeanObjectArea: 200)).ToList();
            var bus = first.Services.GetRequiredService<IBus>();
            foreach (var f in frames) await bus.Publish(f);

            foreach (var stream in new[] { streamA, streamB })
            {
                foreach (var f in frames)
                {
                    var item = await stream.NextAsync();
                    Assert.Equal(FrameEventTypes.Segmented, item.EventType);
                    Assert.Equal(f.FrameId, EventStreamClient.Data(item).GetProperty("frameId").GetGuid());
                }
            }

            // Stopped with its stream open: the stream ends rather than holding up the stop.
            await second.DisposeAsync();
            secondStopped = true;
            Assert.True(await streamB.EndsAsync());
            // A clean stop deletes its queue at once (x-expires covers a host that dies); the other host's queue stays.
            var after = await Broker.QueuesAsync(vhost.Name, FrameEventsConsumerDefinition.QueuePrefix);
            var left = Assert.Single(after);
            Assert.Equal(1, left.Consumers);
        }
        finally
        {
            if (!secondStopped) await second.DisposeAsync();
        }
    }

    private static HttpClient Client(ServiceUnderTest host, string token)
    {
        var c = new HttpClient { BaseAddress = host.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        c.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return c;
    }
}
