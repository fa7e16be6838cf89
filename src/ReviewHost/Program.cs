using AcqSeg.ReviewHost.Apis;
using AcqSeg.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(bus => bus.AddReviewConsumers());
builder.AddReviewServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapReviewApi();
app.Run();
