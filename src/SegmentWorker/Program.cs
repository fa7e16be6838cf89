using AcqSeg.Imaging.Memory;
using AcqSeg.SegmentWorker.Extensions;
using AcqSeg.ServiceDefaults;

NativeHeap.KeepLargeBuffers(); // every frame asks for the same large buffers again
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(bus => bus.AddSegmentWorkerConsumers());
builder.AddSegmentWorkerServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
