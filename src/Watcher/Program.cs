using AcqSeg.ServiceDefaults;
using AcqSeg.Watcher.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(bus => bus.AddWatcherConsumers());
builder.AddWatcherServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
