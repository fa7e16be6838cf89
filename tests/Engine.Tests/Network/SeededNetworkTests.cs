using AcqSeg.Engine.Network;
using TorchSharp;

namespace AcqSeg.Engine.Tests.Network;

/// <summary>
/// A seeded network's initial weights follow from the seed alone, even while another thread draws from torch's one
/// global generator: it builds networks (as loading weights does), seeds it (as a training run does) and draws from it
/// (as tests do). Draws in between once made a resumed training run end with other weights than an uninterrupted one,
/// and this test fail, when tests ran side by side.
/// </summary>
public class SeededNetworkTests
{
    private static readonly int[] Tiny = [2, 4, 8, 8, 16];

    [Fact]
    public async Task Seeded_SameSeed_SameWeights_WhileAnotherThreadDrawsFromTheGlobalGenerator()
    {
        using var stop = new CancellationTokenSource();
        int built = 0;
        var other = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var net = new CellposeNet(Tiny, 17);
                torch.manual_seed(Volatile.Read(ref built));
                using var draw = torch.rand(64);
                Interlocked.Increment(ref built);
            }
        });
        var nets = new List<CellposeNet>();
        int before, after;
        try
        {
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref built) > 0, TimeSpan.FromSeconds(30)), "the other thread never built a network");
            before = Volatile.Read(ref built);
            for (int i = 0; i < 20; i++) nets.Add(CellposeNet.Seeded(11, Tiny, 17));
            after = Volatile.Read(ref built);
        }
        finally
        {
            stop.Cancel();
            await other;
        }
        Assert.True(after > before, "the other thread built no network while the seeded ones were built");
        var first = nets[0].state_dict();
        foreach (var net in nets.Skip(1))
            foreach (var (key, value) in net.state_dict())
                Assert.True(value.eq(first[key]).all().item<bool>(), $"{key} differs between two networks of seed 11");
        using var otherSeed = CellposeNet.Seeded(12, Tiny, 17);
        Assert.Contains(otherSeed.state_dict(), kv => !kv.Value.eq(first[kv.Key]).all().item<bool>());
        foreach (var net in nets) net.Dispose();
    }
}
