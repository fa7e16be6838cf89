using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AcqSeg.Hosts.Tests.ServiceDefaults;

/// <summary>What every host's bus gets from <see cref="ServiceDefaultsExtensions.AddServiceDefaults"/>.</summary>
public class BusDefaultsTests
{
    /// <summary>The hosts must not call out of the lab: MassTransit's usage telemetry (on by default since 8.4) is off.</summary>
    [Fact]
    public void Every_host_turns_MassTransit_usage_telemetry_off()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults(_ => { });
        using var provider = builder.Services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value;

        Assert.False(options.Enabled);
    }

    /// <summary>On a stop, consumers get Bus:ConsumerStopSeconds before their token is cancelled (MassTransit's
    /// ConsumerStopTimeout).</summary>
    [Theory]
    [InlineData(null, 1.0)]
    [InlineData("0", 0.0)]
    [InlineData("2.5", 2.5)]
    [InlineData("31", 1.0)] // out of range: the default here, and the start-up validation names it (below)
    public void EveryHost_CancelsItsConsumersAfterBusConsumerStopSeconds(string? configured, double expectedSeconds)
    {
        var builder = Host.CreateApplicationBuilder();
        if (configured is not null) builder.Configuration["Bus:ConsumerStopSeconds"] = configured;
        builder.AddServiceDefaults(_ => { });
        using var provider = builder.Services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<MassTransitHostOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), options.ConsumerStopTimeout);
    }

    [Fact]
    public void ConsumerStopSecondsOutOfRange_FailsTheStart_NamingTheSetting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Bus:ConsumerStopSeconds"] = "-1";
        builder.AddServiceDefaults(_ => { });
        using var provider = builder.Services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<BusOptions>>().Value);

        Assert.Contains("Bus:ConsumerStopSeconds must be 0-30", ex.Message);
    }
}
