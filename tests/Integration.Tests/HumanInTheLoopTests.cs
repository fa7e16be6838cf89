using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AcqSeg.AllRolesHost;
using AcqSeg.Cli;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost.Apis;
using AcqSeg.TestSupport;

namespace AcqSeg.Integration.Tests;

/// <summary>
/// The human in the loop through RabbitMQ and PostgreSQL: a frame the quality gate flags shows in the review API, a
/// curator's corrected labels (sent with an API token) make the train worker publish version 2, and the next frame
/// dropped into the folder is segmented with it.
/// </summary>
public sealed class HumanInTheLoopTests
{
    private const string Lineage = "synth";
    private const string ModelPublishedExchange = "AcqSeg.Contracts:ModelPublished";
    private const string CorrectionSubmittedExchange = "AcqSeg.Contracts:CorrectionSubmitted";

    [SkippableFact]
    public async Task FlaggedFrame_CorrectedThroughTheApi_PublishesVersion2_AndTheNextFrameUsesIt()
    {
        await using var vhost = await Broker.CreateVirtualHostAsync();
        string bus = vhost.Bus;
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        using var tmp = new TempFolder("acqseg-it-hitl");
        string watch = tmp.Sub("watch");
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var broker = await BrokerTap.OpenAsync(vhost.Amqp, ModelPublishedExchange, CorrectionSubmittedExchange);

        // A curator and an API token, made the way an operator makes them.
        var o = new StringWriter();
        var e = new StringWriter();
        Assert.True(CliApp.Run(["users", "add", "ana", "--db", database.ConnectionString, "--password-stdin"], o, e,
            new StringReader("a long enough password\n")) == CliApp.Ok, $"users add: {o} {e}");
        o = new StringWriter();
        Assert.True(CliApp.Run(["users", "token", "ana", "--db", database.ConnectionString], o, e) == CliApp.Ok, $"users token: {e}");
        string token = o.ToString().Trim();

        var settings = ServiceUnderTest.RealServerSettings(watch, tmp.Sub("out"), Lineage, model, bus, database.ConnectionString);
        await using var service = await ServiceUnderTest.StartAsync(settings, new Dictionary<string, string?>
        {
            // A mean cell probability of 1 inside masks is out of reach (mask edges sit near 0.5): every frame is flagged.
            ["QualityGate:MinMeanCellprob"] = "1.0",
            ["TrainWorker:Epochs"] = "2",
            ["TrainWorker:CropSize"] = "64",
            // Publish whatever the fine-tuning gives: this test is about the loop, not about the score.
            ["TrainWorker:MinApGain"] = "-1",
        });
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        // Reads need a curator too: the script acts as one with the API token throughout.
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        // 1. A frame arrives and is flagged.
        var first = Frames.Nuclei(seed: 11);
        Frames.WriteViaRename(Path.Combine(watch, "t001.tif"), Frames.TiffBytes(first.Image, 16));
        FrameRow flagged = await TerminalFrameAsync(service, "t001.tif");
        Assert.Equal(FrameStates.Flagged, flagged.State);
        Assert.Equal(1, flagged.ModelVersion);
        Assert.Contains("low_cellprob", flagged.Reason);

        // 2. It is in the review queue.
        var queue = await http.GetFromJsonAsync<List<FlaggedFrameDto>>("/api/review");
        var listed = Assert.Single(queue!);
        Assert.Equal((flagged.FrameId, Lineage, 1), (listed.Id, listed.Model, listed.ModelVersion));
        Assert.Contains("low_cellprob", listed.Reasons);

        // 3. A curator sends the corrected labels (the frame's true masks) with the API token.
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/frames/{flagged.Id}/correction")
        {
            Content = new ByteArrayContent(Frames.LabelTiffBytes(first.Masks)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/tiff");
        using var response = await http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var accepted = (await response.Content.ReadFromJsonAsync<CorrectionAccepted>())!;
        Assert.Equal(first.Masks.CountObjects(), accepted.Objects);
        Assert.Empty((await http.GetFromJsonAsync<List<FlaggedFrameDto>>("/api/review"))!);

        // 4. The train worker fine-tunes and publishes version 2 through the broker.
        var models = new ModelStore(new Database(new DatabaseOptions { ConnectionString = database.ConnectionString }));
        await Eventually.HoldsAsync("model version 2 published", TimeSpan.FromMinutes(5), async () =>
        {
            var latest = await models.LatestAsync(Lineage);
            return (latest?.Version == 2, $"latest version {latest?.Version.ToString() ?? "none"}");
        });
        var v2 = (await models.GetAsync(Lineage, 2))!;
        Assert.Equal(1, v2.ParentVersion);
        Assert.True(File.Exists(v2.Path), v2.Path);
        Assert.Equal(1u, await broker.CountAsync(CorrectionSubmittedExchange));
        await Eventually.HoldsAsync("ModelPublished on the broker", TimeSpan.FromSeconds(30), async () =>
        {
            uint n = await broker.CountAsync(ModelPublishedExchange);
            return (n == 1, $"{n} messages");
        });
        Assert.Equal(FrameStates.Corrected, (await service.Frames.GetAsync(flagged.FrameId))!.State);

        // 5. The next frame is segmented with version 2.
        var second = Frames.Nuclei(seed: 12);
        Frames.WriteViaRename(Path.Combine(watch, "t002.tif"), Frames.TiffBytes(second.Image, 16));
        FrameRow next = await TerminalFrameAsync(service, "t002.tif");
        Assert.Contains(next.State, new[] { FrameStates.Segmented, FrameStates.Flagged });
        Assert.Equal(2, next.ModelVersion);
        Assert.True(File.Exists(next.MasksPath), next.MasksPath);
    }

    private static async Task<FrameRow> TerminalFrameAsync(ServiceUnderTest service, string name)
    {
        FrameRow? found = null;
        await Eventually.HoldsAsync($"{name} in a terminal state", TimeSpan.FromMinutes(2), async () =>
        {
            var rows = (await service.Frames.ListAsync()).Where(f => Path.GetFileName(f.Path) == name).ToList();
            found = rows.Count == 1 && rows[0].State != FrameStates.Acquired ? rows[0] : null;
            return (found is not null, rows.Count == 0 ? "no row" : string.Join(", ", rows.Select(r => r.State)));
        });
        return found!;
    }
}
