using AcqSeg.ServiceDefaults;
using AcqSeg.TrainWorker.Extensions;

// Before any convolution: oneDNN reads its ISA limit once (see OneDnnIsa).
AcqSeg.Segmentation.Training.OneDnnIsa.LimitOnAffectedCpu();
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(bus => bus.AddTrainWorkerConsumers());
builder.AddTrainWorkerServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
