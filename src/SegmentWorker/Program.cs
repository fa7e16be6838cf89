using AcqSeg.SegmentWorker.Extensions;
using AcqSeg.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(bus => bus.AddSegmentWorkerConsumers());
builder.AddSegmentWorkerServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
