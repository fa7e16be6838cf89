using AcqSeg.Contracts;
using AcqSeg.Examples.AdaptiveController;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>The example controller of ops/examples/adaptive-controller: its decision rule, and the controller reading a
/// real event stream and writing the rate file.</summary>
public class AdaptiveControllerTests
{
    private static readonly RuleSettings Settings = new() { Interval = 1.0, MinInterval = 0.25, MaxInterval = 4.0, Window = 3, Change = 0.2, MaxFailures = 3 };

    private static List<Decision> Feed(IntervalRule rule, params int[] counts) => counts.Select(c => rule.OnSegmented(c, flagged: false)).ToList();

    [Fact]
    public void CountsRiseByMoreThanChange_HalvesTheInterval_AndStartsAFreshHistory()
    {
        var rule = new IntervalRule(Settings);
        var decisions = Feed(rule, 10, 10, 10, 13, 13, 13);
        Assert.All(decisions[..^1], d => Assert.False(d.Changed));
        Assert.True(decisions[^1].Changed, decisions[^1].Why);
        Assert.Equal(0.5, rule.Interval);
        Assert.Contains("mean count 10.0 -> 13.0 (+30%)", decisions[^1].Why);
        // The next decision needs two fresh windows: five more rising frames change nothing yet.
        Assert.All(Feed(rule, 20, 20, 20, 30, 30), d => Assert.False(d.Changed));
        Assert.True(rule.OnSegmented(30, flagged: false).Changed);
        Assert.Equal(0.25, rule.Interval);
    }

    [Fact]
    public void CountsFallByMoreThanChange_DoublesTheInterval_UpToMaxInterval()
    {
        var rule = new IntervalRule(Settings);
        Feed(rule, 50, 50, 50, 30, 30, 30);
        Assert.Equal(2.0, rule.Interval);
        Feed(rule, 30, 30, 30, 10, 10, 10);
        Assert.Equal(4.0, rule.Interval);
        var atMax = Feed(rule, 10, 10, 10, 2, 2, 2);
        Assert.Equal(4.0, rule.Interval);
        Assert.False(atMax[^1].Changed);
    }

    [Fact]
    public void CountsWithinChange_KeepTheInterval_AsTheWindowsSlide()
    {
        var rule = new IntervalRule(Settings);
        var decisions = Feed(rule, 20, 22, 19, 21, 23, 20, 18, 22, 21, 24);
        Assert.All(decisions, d => Assert.False(d.Changed));
        Assert.Equal(1.0, rule.Interval);
    }

    [Fact]
    public void FlaggedFrames_AreLeftOut_OfTheCounts()
    {
        var rule = new IntervalRule(Settings);
        Feed(rule, 10, 10, 10, 10, 10);
        // A flagged frame with a wild count changes nothing; the next good frame completes the second window.
        Assert.False(rule.OnSegmented(500, flagged: true).Changed);
        Assert.False(rule.OnSegmented(10, flagged: false).Changed);
        Assert.Equal(1.0, rule.Interval);
    }

    [Fact]
    public void FailedFramesInARow_RaiseOneAlert_AtMaxFailures_ASegmentedFrameResetsTheCount()
    {
        var rule = new IntervalRule(Settings);
        Assert.False(rule.OnFailed("bad magic").Alert);
        Assert.False(rule.OnFailed("bad magic").Alert);
        rule.OnSegmented(10, flagged: false);
        Assert.False(rule.OnFailed("bad magic").Alert);
        Assert.False(rule.OnFailed("bad magic").Alert);
        var third = rule.OnFailed("truncated strip");
        Assert.True(third.Alert);
        Assert.Contains("3 frames in a row failed, the last: truncated strip", third.Why);
        Assert.False(rule.OnFailed("again").Alert);
        Assert.Equal(1.0, rule.Interval);
    }

    [Theory]
    [InlineData(1.0, 0.0, 4.0, 3, 0.2, "--min-interval")]
    [InlineData(8.0, 0.25, 4.0, 3, 0.2, "--interval 8")]
    [InlineData(1.0, 0.25, 4.0, 0, 0.2, "--window 0")]
    [InlineData(1.0, 0.25, 4.0, 3, 1.5, "--change 1.5")]
    public void UnusableSettings_AreNamedWithTheFix(double interval, double min, double max, int window, double change, string named)
    {
        var problem = new RuleSettings { Interval = interval, MinInterval = min, MaxInterval = max, Window = window, Change = change }.Problem();
        Assert.NotNull(problem);
        Assert.Contains(named, problem);
    }

    [Fact]
    public async Task Controller_OnTheEventStream_WritesAShorterIntervalWhenCountsRise_OnlyForItsAcquisition()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        host.AddCurator("microscope");
        string token = host.TokenFor("microscope");
        string rate = Path.Combine(host.Output, "interval.txt");
        var settings = new ControllerSettings
        {
            Service = host.BaseUrl, Token = token, Acquisitions = ["run7/*"], RateFile = rate, Rule = Settings, MaxFrames = 6,
        };
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var log = new StringWriter();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var controller = new Controller(settings, http, log).RunAsync(limit.Token);
        var hub = host.Services.GetRequiredService<AcqSeg.ReviewHost.Events.FrameEventHub>();
        // The controller has subscribed once the hub counts it: then publish.
        while (hub.ClientCount == 0 && !controller.IsCompleted) await Task.Delay(50, limit.Token);
        Assert.Equal("1.000\n", await File.ReadAllTextAsync(rate, limit.Token));

        var bus = host.Services.GetRequiredService<IBus>();
        foreach (var (acquisition, count) in new[] { ("run7/p1", 10), ("other", 500), ("run7/p1", 10), ("run7/p1", 10), ("run7/p1", 14), ("run7/p1", 14), ("run7/p1", 14) })
        {
            await bus.Publish(new FrameSegmented(Guid.NewGuid(), acquisition, $"/data/{acquisition}/f.tif", "m", 1, count, "/out/m.tif", null, null, null,
                false, 0.3, DateTimeOffset.UtcNow, MeanObjectArea: 100));
        }
        await controller;

        Assert.Equal("0.500\n", await File.ReadAllTextAsync(rate, limit.Token));
        Assert.Contains("run7/p1: mean count 10.0 -> 14.0 (+40%): frame interval 1.000 s -> 0.500 s", log.ToString());
        Assert.DoesNotContain("other", log.ToString());
    }

    [Fact]
    public async Task Controller_WithARefusedToken_StopsWithTheServicesAnswer()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        var settings = new ControllerSettings { Service = host.BaseUrl, Token = "acqseg_not-a-token", RateFile = Path.Combine(host.Output, "interval.txt") };
        using var http = new HttpClient();
        var refused = await Assert.ThrowsAsync<ControllerException>(() => new Controller(settings, http, TextWriter.Null).RunAsync(CancellationToken.None));
        Assert.Contains("401", refused.Message);
        Assert.Contains("bearer token not recognised", refused.Message);
    }
}
