using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using AcqSeg.AllRolesHost;
using AcqSeg.Cli;
using AcqSeg.Contracts;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;
using AcqSeg.Models;
using AcqSeg.Models.Zoo;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AcqSeg.Hosts.Tests.ReviewHost;

/// <summary>
/// `acqseg run`'s host started in process on 127.0.0.1 with a free port (SQLite, in-memory bus), with flagged frames
/// seeded as rows plus files (no model runs), a curator account made through the CLI, and a bus endpoint that records
/// the corrections and model assignments published.
/// </summary>
public sealed class ReviewHostFixture : IAsyncDisposable
{
    public const int Size = 96;
    public const string Password = "correct horse battery";

    private readonly TempFolder folder = new("acqseg-ui");
    private WebApplication? app;

    public string Output { get; }
    public string DatabasePath { get; }
    public Uri BaseUrl { get; private set; } = null!;
    public Database Database { get; }
    public FrameStore Frames { get; }
    public ConcurrentQueue<CorrectionSubmitted> Corrections { get; } = new();
    public ConcurrentQueue<ModelAssigned> Assignments { get; } = new();
    public IServiceProvider Services => app!.Services;

    private ReviewHostFixture()
    {
        Output = folder.Sub("out");
        DatabasePath = Path.Combine(Output, "acqseg.db");
        Database = new Database(new DatabaseOptions { ConnectionString = DatabasePath });
        Frames = new FrameStore(Database);
    }

    public static async Task<ReviewHostFixture> StartAsync(IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var f = new ReviewHostFixture();
        try
        {
            await f.StartHostAsync(overrides);
        }
        catch
        {
            // A host refused at start (invalid options) leaves no folder behind.
            await f.DisposeAsync();
            throw;
        }
        return f;
    }

    private async Task StartHostAsync(IEnumerable<KeyValuePair<string, string?>>? overrides)
    {
        string model = Path.Combine(folder.Path, "m.pth");
        File.WriteAllText(model, "never loaded: frames are seeded, not segmented");
        var settings = new RunSettings
        {
            WatchFolders = [folder.Sub("watch")],
            OutputFolder = Output,
            ModelName = "m",
            ModelPath = model,
            Http = "127.0.0.1:0",
        };
        // Corrections must not start a fine-tune of the fake model in these tests.
        var extra = new List<KeyValuePair<string, string?>> { new("TrainWorker:PendingThreshold", "100000") };
        if (overrides is not null) extra.AddRange(overrides);
        var built = AcqSegHost.Build(settings, extra);
        try
        {
            await built.StartAsync();
        }
        catch
        {
            await built.DisposeAsync();
            throw;
        }
        app = built;
        BaseUrl = new Uri(app.Urls.First());
        var bus = app.Services.GetRequiredService<IBus>();
        var handle = bus.ConnectReceiveEndpoint($"ui-tests-{Guid.NewGuid():N}", e =>
        {
            e.Handler<CorrectionSubmitted>(ctx =>
            {
                Corrections.Enqueue(ctx.Message);
                return Task.CompletedTask;
            });
            e.Handler<ModelAssigned>(ctx =>
            {
                Assignments.Enqueue(ctx.Message);
                return Task.CompletedTask;
            });
        });
        await handle.Ready;
    }

    /// <summary>The squares every seeded frame's masks hold: (label, top, left, side).</summary>
    public static readonly (int Label, int Top, int Left, int Size)[] Squares =
        [(1, 8, 8, 14), (2, 8, 40, 14), (3, 40, 8, 14), (4, 40, 40, 14)];

    /// <summary>A flagged frame: image, masks and outlines under the output root, rows for frame, stats and reasons; with
    /// <paramref name="flows"/>, a flows file made from the masks (`acqseg flows`), as the worker keeps with SaveFlows.</summary>
    public Task<Guid> SeedFlaggedAsync(string acquisition = "plate1", string reason = "flow_qc_dropped", string model = "m", int version = 1,
        bool flows = false) =>
        SeedAsync(acquisition, reason, model, version, flows);

    /// <summary>A frame the quality gate passed (state Segmented), with the same files as a flagged one.</summary>
    public Task<Guid> SeedSegmentedAsync(string acquisition = "plate1", string model = "m", int version = 1) =>
        SeedAsync(acquisition, null, model, version);

    /// <summary>A frame stored Acquired (not segmented yet); failed as well when <paramref name="failure"/> is given.</summary>
    public async Task<Guid> SeedUnsegmentedAsync(string acquisition = "plate1", string? failure = null)
    {
        var id = Guid.NewGuid();
        Assert.True(await Frames.TryAddAcquiredAsync(new FrameRow
        {
            Id = id.ToString(),
            Acquisition = acquisition,
            Path = Path.Combine(Output, "seed", id.ToString("N"), "frame.tif"),
            Sha256 = id.ToString("N"),
            SizeBytes = 1,
            Model = "m",
            AcquiredAt = Database.Timestamp(DateTimeOffset.UtcNow),
        }));
        if (failure is not null) Assert.True(await Frames.TryFailAsync(id, failure));
        return id;
    }

    private Task<Guid> SeedAsync(string acquisition, string? reason, string model, int version, bool flows = false)
    {
        var masks = TestLabels.Squares(Size, Size, Squares);
        var pixels = new float[Size * Size];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = masks.Labels[i] > 0 ? 800 + 10 * (i % 7) : 100 + (i % 13);
        return SeedFrameAsync([pixels], masks, acquisition, reason, model, version, flows);
    }

    /// <summary>
    /// A frame of any size and channel count (<paramref name="planes"/>: one float plane per channel, stored as float32
    /// pages) with <paramref name="masks"/>; flagged with <paramref name="reason"/>, or Segmented when it is null.
    /// </summary>
    /// <param name="realSha">record the image file's real SHA-256 (a frame a segment worker may read again), not a stand-in</param>
    public async Task<Guid> SeedFrameAsync(float[][] planes, LabelImage masks, string acquisition = "plate1", string? reason = "flow_qc_dropped",
        string model = "m", int version = 1, bool flows = false, bool realSha = false)
    {
        var id = Guid.NewGuid();
        string dir = Path.Combine(Output, "seed", id.ToString("N"));
        Directory.CreateDirectory(dir);
        int h = masks.Height, w = masks.Width;
        string image = Path.Combine(dir, "frame.tif");
        TiffWriter.WriteFloatPages(image, planes, h, w);
        string masksPath = Path.Combine(dir, "frame_cp_masks.tif");
        TiffWriter.WriteLabels(masksPath, masks);
        string outlines = Path.Combine(dir, "frame_outlines.png");
        OutlineOverlay.WritePng(outlines, new ImageData(planes[0], 1, h, w), masks);
        string? flowsPath = null;
        if (flows)
        {
            var e = new StringWriter();
            int code = CliApp.Run(["flows", masksPath, "--out", dir], new StringWriter(), e);
            Assert.True(code == CliApp.Ok, $"acqseg flows: exit {code}; {e}");
            flowsPath = Path.Combine(dir, "frame_cp_flows.tif");
            Assert.True(File.Exists(flowsPath), $"acqseg flows wrote no {flowsPath}");
        }
        return await InsertFlaggedAsync(id, acquisition, image, masksPath, outlines, reason, model, version, flowsPath, h, w, masks.CountObjects(),
            realSha ? await FileHash.Sha256Async(image) : null);
    }

    /// <summary>Rows for a segmented frame whose files exist: flagged with <paramref name="reason"/>, or Segmented when it is null.</summary>
    public async Task<Guid> InsertFlaggedAsync(Guid id, string acquisition, string image, string masks, string? outlines, string? reason,
        string model = "m", int version = 1, string? flows = null, int height = Size, int width = Size, int objects = 4, string? sha256 = null)
    {
        var now = DateTimeOffset.UtcNow;
        Assert.True(await Frames.TryAddAcquiredAsync(new FrameRow
        {
            Id = id.ToString(),
            Acquisition = acquisition,
            Path = image,
            Sha256 = sha256 ?? id.ToString("N"),
            SizeBytes = 1,
            Model = model,
            AcquiredAt = Database.Timestamp(now),
        }));
        Assert.True(await Frames.TryCompleteAsync(new SegmentationRecord(id, reason is not null, version, masks, flows, outlines, null,
            new FrameStatsRow { Height = height, Width = width, ObjectCount = objects, Style = "" },
            reason is null ? [] : [new ReviewReason(reason, $"{reason} tripped in the seed")])));
        return id;
    }

    public async Task AddModelVersionsAsync(string model, int count)
    {
        var store = new ModelStore(Database);
        for (int v = 1; v <= count; v++)
        {
            await store.TryAddVersionAsync(new ModelVersionRow
            {
                Model = model,
                Version = v,
                Path = Path.Combine(Output, "models", model, $"v{v}.pth"),
                Sha256 = $"sha{v}",
                ParentVersion = v == 1 ? null : v - 1,
                ApBefore = v == 1 ? null : 0.5 + 0.01 * v,
                ApAfter = v == 1 ? null : 0.52 + 0.01 * v,
                CreatedAt = Database.Timestamp(DateTimeOffset.UtcNow.AddMinutes(v)),
            });
        }
    }

    /// <summary>A zoo folder model: weights (never loaded here) and a manifest whose current version is <paramref name="current"/>.</summary>
    public static void WriteZooModel(string zoo, string name, int current)
    {
        string folder = Path.Combine(zoo, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ModelZoo.WeightsFile), $"{name} v{current} weights");
        new ModelManifest
        {
            Name = name,
            Current = current,
            Versions = [.. Enumerable.Range(1, current).Select(v => new ModelVersion { Version = v, Created = DateTimeOffset.UtcNow })],
        }.Write(Path.Combine(folder, ModelManifest.FileName));
    }

    /// <summary>The zoo's nuclei (v6) registered and fine-tuned once here (v7), its cyto (v3) never used yet.</summary>
    public static async Task<ReviewHostFixture> StartWithZooAsync(string zoo)
    {
        WriteZooModel(zoo, "nuclei", 6);
        WriteZooModel(zoo, "cyto", 3);
        var host = await StartAsync([new("Models:ZooRoot", zoo)]);
        // What the segment worker's first nuclei frame does: the registry registers the zoo's current version.
        Assert.Equal(6, (await host.Services.GetRequiredService<ModelRegistry>().LiveAsync("nuclei")).Version);
        Assert.True(await new ModelStore(host.Database).TryAddVersionAsync(new ModelVersionRow
        {
            Model = "nuclei", Version = 7, ParentVersion = 6, Path = Path.Combine(host.Output, "models", "nuclei", "v7.pth"), Sha256 = "s7",
            ApBefore = 0.61, ApAfter = 0.64, CreatedAt = Database.Timestamp(DateTimeOffset.UtcNow),
        }));
        return host;
    }

    /// <summary>Adds a curator through `acqseg users add NAME --password-stdin`.</summary>
    public void AddCurator(string name)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(["users", "add", name, "--db", DatabasePath, "--password-stdin"], o, e, new StringReader(Password + "\n"));
        Assert.True(code == CliApp.Ok, $"users add {name}: exit {code}; {e}");
    }

    /// <summary>A token from `acqseg users token NAME`.</summary>
    public string TokenFor(string name)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(["users", "token", name, "--db", DatabasePath], o, e);
        Assert.True(code == CliApp.Ok, $"users token {name}: exit {code}; {e}");
        return o.ToString().Trim();
    }

    /// <summary>A script's client: a new curator <paramref name="name"/> and a bearer token for it (every read needs a curator).</summary>
    public HttpClient Reader(string name = "reader")
    {
        AddCurator(name);
        return WithToken(TokenFor(name));
    }

    public HttpClient Anonymous() => new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = BaseUrl };

    public HttpClient WithToken(string token)
    {
        var c = Anonymous();
        c.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return c;
    }

    /// <summary>A browser-like client: signed in with the session cookie; <paramref name="withCsrf"/> adds the anti-forgery header.</summary>
    public async Task<HttpClient> SignedInAsync(string name, bool withCsrf = true)
    {
        var c = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = BaseUrl };
        var login = await c.PostAsJsonAsync("/api/auth/login", new { name, password = Password });
        Assert.True(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync());
        var session = await c.GetFromJsonAsync<SessionBody>("/api/auth/session");
        Assert.Equal(name, session!.Curator);
        if (withCsrf) c.DefaultRequestHeaders.Add(session.CsrfHeader, session.CsrfToken);
        return c;
    }

    public sealed record SessionBody(string? Curator, string CsrfToken, string CsrfHeader);

    public async Task<string?> CorrectionCuratorAsync(Guid frame)
    {
        await using var c = await Database.OpenAsync();
        return await Dapper.SqlMapper.QuerySingleOrDefaultAsync<string>(c, "SELECT curator FROM corrections WHERE frame_id = @Id", new { Id = frame.ToString() });
    }

    public async Task<CorrectionSubmitted> WaitForCorrectionAsync(Guid frame)
    {
        for (int i = 0; i < 100; i++)
        {
            var found = Corrections.FirstOrDefault(c => c.FrameId == frame);
            if (found is not null) return found;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"no CorrectionSubmitted for frame {frame} on the bus within 10 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        folder.Dispose();
    }
}
