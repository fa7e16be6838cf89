using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace AcqSeg.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Logging, validated options, health checks and the bus (in-memory or RabbitMQ from the
    /// "Bus" section) with the consumers the role registers in <paramref name="consumers"/>.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator> consumers)
    {
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.IncludeScopes = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        var services = builder.Services;
        services.AddValidatedOptions<MetricsOptions>(MetricsOptions.SectionName);
        MeterExport.Configure();
        services.AddHealthChecks();

        var bus = builder.Configuration.GetSection(BusOptions.SectionName).Get<BusOptions>() ?? new BusOptions();
        services.AddValidatedOptions<BusOptions>(BusOptions.SectionName);
        services.AddOptions<MassTransitHostOptions>().Configure(o => o.ConsumerStopTimeout = BusOptions.ConsumerStopTimeout(bus));
        services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            // MassTransit 8.4+ reports anonymous usage to its vendor by default; a lab's acquisition host must not call out
            // (and usually cannot: the failed report filled the log with warnings).
            x.ConfigureUsageTelemetryOptions(o => o.Enabled = false);
            consumers(x);
            if (bus.IsRabbitMq)
            {
                x.UsingRabbitMq((context, cfg) =>
                {
                    var r = bus.RabbitMq;
                    cfg.Host(r.Host, (ushort)r.Port, r.VirtualHost, h =>
                    {
                        h.Username(r.Username);
                        h.Password(r.Password);
                    });
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
        });
        return builder;
    }

    /// <summary>Binds a section, checks data annotations and IValidatableObject, and fails the start with the
    /// messages when invalid.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, string section) where T : class =>
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();

    /// <summary>
    /// /health (every check) and /metrics (Prometheus text format). Both skip curator sign-in where a role has it:
    /// health says nothing but up or down, and /metrics has its own gate (<see cref="MetricsOptions"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health").AllowAnonymous();
        // What prometheus-net's MapMetrics builds, with the gate in front of the exporter.
        var metrics = app.CreateApplicationBuilder()
            .Use(async (context, next) =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<MetricsOptions>>().Value;
                if (options.Refusal(context.Connection.RemoteIpAddress) is { } refusal)
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    context.Response.ContentType = "text/plain; charset=utf-8";
                    await context.Response.WriteAsync(refusal + "\n", context.RequestAborted);
                    return;
                }
                await next(context);
            })
            .UseMiddleware<MetricServerMiddleware>(new MetricServerMiddleware.Settings())
            .Build();
        app.Map("/metrics", metrics).AllowAnonymous();
        return app;
    }
}
