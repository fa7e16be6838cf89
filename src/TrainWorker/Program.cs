using AcqSeg.Engine.Training;
using AcqSeg.Imaging.Memory;
using AcqSeg.ServiceDefaults;
using AcqSeg.TrainWorker.Extensions;

// Before any convolution: oneDNN reads its ISA limit once (see OneDnnIsa).
bool oneDnnLimited = OneDnnIsa.LimitOnAffectedCpu();
NativeHeap.KeepLargeBuffers(); // fine-tuning reuses the same large buffers every step
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(bus => bus.AddTrainWorkerConsumers());
builder.AddTrainWorkerServices();

var app = builder.Build();
if (oneDnnLimited) app.Logger.LogWarning("{CpuNotice}", OneDnnIsa.Notice);
app.MapDefaultEndpoints();
app.Run();
// A stop that gave up waiting for a training batch must not run libtorch's exit handlers under it.
AcqSeg.TrainWorker.TrainingThread.ExitProcessIfRunning(0);
