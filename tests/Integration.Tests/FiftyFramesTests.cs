using System.Security.Cryptography;
using AcqSeg.Cli;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;
using Npgsql;

namespace AcqSeg.Integration.Tests;

/// <summary>
/// `acqseg run` on RabbitMQ and a fresh PostgreSQL database while 50 TIFF writes land in the watched folder: 16-bit,
/// 8-bit RGB, float32 and multi-page frames, corrupt and truncated files, slow chunked writers, temp-then-rename
/// writers, and duplicates.
/// <para>
/// What a duplicate is (the issue: identity = path + content hash): the same bytes written again under the same path
/// are the same frame (no new row, no new outputs); the same bytes under another name are another frame of their own
/// (a microscope may well write two identical frames, e.g. blank ones, and each is a frame of the acquisition).
/// </para>
/// </summary>
public sealed class FiftyFramesTests
{
    private sealed record Drop(string Name, byte[] Bytes, string Kind);

    [SkippableFact]
    public async Task Run_FiftyMixedWrites_EachFrameOnceInOneTerminalState_OutputsOncePerFrame_BadFilesFailedWithReasons()
    {
        await using var vhost = await Broker.CreateVirtualHostAsync();
        string bus = vhost.Bus;
        string model = SharedData.Reference("cpnet_synth_e40.pth");
        using var tmp = new TempFolder("acqseg-it-fifty");
        string watch = tmp.Sub("watch");
        string output = tmp.Sub("out");
        Directory.CreateDirectory(Path.Combine(watch, "plate2"));
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var frames = new FrameStore(new Database(new DatabaseOptions { ConnectionString = database.ConnectionString }));

        var plan = Plan();
        var chunked = plan.Where(d => d.Kind == "chunked").ToList();
        var direct = plan.Where(d => d.Kind is "direct" or "corrupt" or "truncated" or "copy").ToList();
        var renamed = plan.Where(d => d.Kind == "renamed").ToList();
        var rewritten = plan.Where(d => d.Kind == "direct").Take(3).ToList();
        Assert.Equal(50, plan.Count + rewritten.Count);

        var o = new StringWriter();
        var e = new StringWriter();
        var run = Task.Run(() => CliApp.Run(["run", "--watch", watch, "--out", output, "--model", model, "--bus", bus,
            "--db", database.ConnectionString, "--http", $"127.0.0.1:{PrometheusServer.FreePort()}",
            "--exit-when-idle", "6", "--stable-seconds", "1"], o, e));

        // Slow writers first: each appends its frame in 10 pieces 0.4 s apart (under the 1 s stability interval).
        var slow = chunked.Select(d => Frames.WriteInChunksAsync(Path.Combine(watch, d.Name), d.Bytes, 10, TimeSpan.FromMilliseconds(400))).ToList();
        foreach (var d in direct.Concat(renamed).OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            string path = Path.Combine(watch, d.Name);
            if (d.Kind == "renamed") Frames.WriteViaRename(path, d.Bytes);
            else await File.WriteAllBytesAsync(path, d.Bytes);
            await Task.Delay(40);
        }
        await Task.WhenAll(slow);

        // Exact duplicates: once the first copies are done, the same bytes are written to the same paths again
        // (overwritten in place, and through a rename), which changes their modification time but not their identity.
        await Eventually.HoldsAsync("the frames to re-write are done", TimeSpan.FromMinutes(3), async () =>
        {
            var rows = await RowsAsync(frames);
            var states = rewritten.Select(d => rows.FirstOrDefault(r => Path.GetFileName(r.Path) == d.Name)?.State ?? "none").ToList();
            return (states.All(s => s is FrameStates.Segmented or FrameStates.Flagged), string.Join(", ", states));
        });
        await File.WriteAllBytesAsync(Path.Combine(watch, rewritten[0].Name), rewritten[0].Bytes);
        Frames.WriteViaRename(Path.Combine(watch, rewritten[1].Name), rewritten[1].Bytes);
        await File.WriteAllBytesAsync(Path.Combine(watch, rewritten[2].Name), rewritten[2].Bytes);
        Assert.False(run.IsCompleted, $"the run exited before the last write: {o} {e}");

        int code = await Eventually.ExitsAsync(run, TimeSpan.FromMinutes(8), frames, o, e);
        Assert.True(code == CliApp.InputFailed, $"exit {code}; stdout {o}; stderr {e}");

        var all = await frames.ListAsync();
        // One row per distinct path + content, each in exactly one terminal state.
        Assert.Equal(plan.Count, all.Count);
        Assert.Equal(plan.Select(d => Path.Combine(watch, d.Name)).Order(StringComparer.Ordinal), all.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.All(all, f => Assert.Contains(f.State, FrameStates.Terminal));
        foreach (var d in plan)
        {
            var row = all.Single(f => f.Path == Path.Combine(watch, d.Name));
            // The hash is of the complete file: a slow writer's frame was not read half-written.
            Assert.Equal(Convert.ToHexString(SHA256.HashData(d.Bytes)), row.Sha256, ignoreCase: true);
            Assert.Equal(d.Bytes.LongLength, row.SizeBytes);
            bool bad = d.Kind is "corrupt" or "truncated";
            Assert.True(bad == (row.State == FrameStates.Failed), $"{d.Name} ({d.Kind}) ended {row.State}: {row.Reason}");
            if (bad) Assert.False(string.IsNullOrWhiteSpace(row.Reason), $"{d.Name} failed without a reason");
        }
        Assert.Equal(3, all.Count(f => f.Acquisition == "watch/plate2"));

        // Outputs: each segmented or flagged frame has its masks and object table (flows and outlines are off by default), and nothing else was written twice.
        var done = all.Where(f => f.State is FrameStates.Segmented or FrameStates.Flagged).ToList();
        Assert.Equal(plan.Count(d => d.Kind is not ("corrupt" or "truncated")), done.Count);
        foreach (var f in done)
        {
            foreach (string? p in new[] { f.MasksPath, f.ObjectsPath })
                Assert.True(p is not null && File.Exists(p), $"{f.Path}: output {p} missing");
            Assert.Null(f.FlowsPath);
            Assert.Null(f.OutlinesPath);
            Assert.Equal(1, f.ModelVersion);
        }
        Assert.Equal(done.Count, done.Select(f => f.MasksPath).Distinct().Count());
        var written = Directory.GetFiles(output, "*", SearchOption.AllDirectories)
            .Where(p => !p.StartsWith(Path.Combine(output, "models"), StringComparison.Ordinal)).ToList();
        Assert.Equal(done.Count * 2, written.Count);
        Assert.Contains("Failed 8", o.ToString());
    }

    /// <summary>47 distinct frames (39 good, 8 bad); 3 of the good ones are written a second time by the test.</summary>
    private static List<Drop> Plan()
    {
        var plan = new List<Drop>();
        int seed = 100;
        int Size() => 64 + 16 * (seed % 5);
        byte[] Tiff(SynthStyle style, int bitDepth, bool nuclear = false)
        {
            seed++;
            return Frames.TiffBytes(Frames.Nuclei(seed, Size(), bitDepth, style, nuclear).Image, bitDepth);
        }

        for (int i = 0; i < 8; i++) plan.Add(new($"u16_{i:D2}.tif", Tiff(SynthStyle.Nuclei, 16), "direct"));
        for (int i = 0; i < 6; i++) plan.Add(new($"multipage_{i:D2}.tif", Tiff(SynthStyle.Cyto, 16, nuclear: true), "direct"));
        for (int i = 0; i < 6; i++) plan.Add(new($"rgb8_{i:D2}.tif", Tiff(SynthStyle.Brightfield, 8), "renamed"));
        for (int i = 0; i < 6; i++) plan.Add(new($"f32_{i:D2}.tiff", Tiff(SynthStyle.Nuclei, 32), "renamed"));
        for (int i = 0; i < 3; i++) plan.Add(new($"plate2/p{i:D2}.tif", Tiff(SynthStyle.Nuclei, 16), "renamed"));
        for (int i = 0; i < 6; i++) plan.Add(new($"slow_{i:D2}.tif", Tiff(SynthStyle.Nuclei, 16), "chunked"));
        // The same bytes as four of the 16-bit frames under other names: frames of their own.
        for (int i = 0; i < 4; i++) plan.Add(new($"copy_of_u16_{i + 4:D2}.tif", plan[i + 4].Bytes, "copy"));

        byte[] good = Tiff(SynthStyle.Nuclei, 16);
        plan.Add(new("corrupt_bad_ifd.tif", [0x49, 0x49, 0x2A, 0x00, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3], "corrupt"));
        plan.Add(new("corrupt_not_a_tiff.tif", "this is a text file, not an image\n"u8.ToArray(), "corrupt"));
        var noise = new byte[4096];
        new Random(5).NextBytes(noise);
        plan.Add(new("corrupt_noise.tif", noise, "corrupt"));
        var scrambled = (byte[])good.Clone();
        // A valid header whose first directory offset points past the end of the file.
        BitConverter.TryWriteBytes(scrambled.AsSpan(4), scrambled.Length + 1000);
        plan.Add(new("corrupt_ifd_offset.tif", scrambled, "corrupt"));
        plan.Add(new("truncated_half.tif", good[..(good.Length / 2)], "truncated"));
        plan.Add(new("truncated_header_only.tif", good[..8], "truncated"));
        plan.Add(new("truncated_last_bytes.tif", good[..^10], "truncated"));
        plan.Add(new("truncated_empty.tif", [], "truncated"));
        return plan;
    }

    private static async Task<IReadOnlyList<FrameRow>> RowsAsync(FrameStore frames)
    {
        try
        {
            return await frames.ListAsync();
        }
        catch (PostgresException)
        {
            // The run has not created the tables yet.
            return [];
        }
    }
}
