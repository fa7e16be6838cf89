using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AcqSeg.Hosts.Tests.ServiceDefaults;

/// <summary>The hosts must not call out of the lab: MassTransit's usage telemetry (on by default since 8.4) is off.</summary>
public class BusTelemetryTests
{
    [Fact]
    public void Every_host_turns_MassTransit_usage_telemetry_off()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults(_ => { });
        using var provider = builder.Services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value;

        Assert.False(options.Enabled);
    }
}
