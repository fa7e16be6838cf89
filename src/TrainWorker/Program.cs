using AcqSeg.ServiceDefaults;
using AcqSeg.TrainWorker.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(bus => bus.AddTrainWorkerConsumers());
builder.AddTrainWorkerServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
