using System.CommandLine;
using System.Globalization;
using AcqSeg.Cli.Hitl;
using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Training;
using AcqSeg.ServiceDefaults;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg hitl-service --images DIR --test DIR --start MODEL --out DIR`: the human-in-the-loop measured through the
/// service (`acqseg run` as a child process, a scripted curator on the review API with a token, the train worker's
/// rounds), as <see cref="ServiceLoop"/> describes; `acqseg hitl` is the same experiment without the service.
/// </summary>
public static class HitlServiceCommand
{
    public static Command Create(CliConsole console)
    {
        var images = new Option<string>("--images") { Description = "Folder of images with masks, written into the acquisition in name order (one per step)", Required = true };
        var test = new Option<string>("--test") { Description = "Folder of images with masks the live version is scored on after every round", Required = true };
        var start = new Option<string>("--start") { Description = "Zoo model or .pth the acquisition is assigned (the lineage's version 1)", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output folder: service-hitl.csv/.png/.json, service.log and the service's own folders", Required = true };
        var steps = new Option<int>("--steps") { Description = "Frames to correct", DefaultValueFactory = _ => 10 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs of each online training round (TrainWorker:Epochs)", DefaultValueFactory = _ => 100 };
        var bus = new Option<string>("--bus") { Description = "memory or rabbitmq://user:pass@host:port/vhost", DefaultValueFactory = _ => "memory" };
        var db = new Option<string?>("--db") { Description = "SQLite file or PostgreSQL connection (default: a new SQLite file under --out)" };
        var diameter = new Option<double>("--diameter") { Description = "Diameter the service segments at (SegmentWorker:Diameter)", DefaultValueFactory = _ => 30 };
        var chan = new Option<int>("--chan") { Description = "Channel to segment: 0 gray, 1-3 R/G/B" };
        var chan2 = new Option<int>("--chan2") { Description = "Nuclear channel: 0 none, 1-3 R/G/B" };
        var minGain = new Option<double>("--min-ap-gain") { Description = "A round publishes only when its held-back AP@0.5 beats the live version's by at least this", DefaultValueFactory = _ => 0.001 };
        var holdOut = new Option<double>("--hold-out") { Description = "Share of the corrected frames held back for scoring (TrainWorker:HoldOutFraction)", DefaultValueFactory = _ => 0.2 };
        var crop = new Option<int?>("--crop-size") { Description = "Training crop side (TrainWorker:CropSize; default Cellpose's 224)" };
        var reference = new Option<string?>("--reference") { Description = "Zoo model or .pth trained on all images of this type: the goal is its test AP@0.5 minus 0.03" };
        var compare = new Option<string?>("--compare") { Description = "hitl.csv of `acqseg hitl` on the same images, drawn beside this curve" };
        var device = new Option<string>("--device") { Description = "cpu (default), auto, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var timeout = new Option<double>("--step-timeout") { Description = "Minutes to wait for one frame or one training round", DefaultValueFactory = _ => 60 };
        var redrawBelow = new Option<double>("--redraw-below")
        {
            Description = "The curator also redraws matched ROIs whose IoU with the truth is below this (0 = keeps every match; e.g. 0.75); redrawn ROIs count as manual",
        };
        var cmd = new Command("hitl-service", "The human-in-the-loop through the service: acqseg run, a scripted curator on the review API, the train worker's rounds")
        {
            images, test, start, outDir, steps, epochs, bus, db, diameter, chan, chan2, minGain, holdOut, crop, reference, compare, device, timeout, redrawBelow,
        };
        cmd.SetAction(async (r, cancel) =>
        {
            var inv = CultureInfo.InvariantCulture;
            string imgDir = r.GetValue(images)!, testDir = r.GetValue(test)!;
            foreach (var (opt, dir) in new[] { ("--images", imgDir), ("--test", testDir) })
            {
                if (!Directory.Exists(dir)) throw new UsageException($"{opt} '{dir}' is not a folder");
                if (TrainingData.FindPairs(dir, "_masks").Count == 0) throw new UsageException($"{opt} '{dir}' holds no image/mask pairs (NAME_img.tif + NAME_masks.tif)");
            }
            int n = r.GetValue(steps), ep = r.GetValue(epochs);
            if (n < 1) throw new UsageException($"--steps {n} must be >= 1");
            if (ep < 1) throw new UsageException($"--epochs {ep} must be >= 1");
            double d = r.GetValue(diameter);
            if (!(d > 0)) throw new UsageException(string.Create(inv, $"--diameter {d} must be > 0 (the service segments every frame at it)"));
            double hold = r.GetValue(holdOut);
            if (hold is < 0 or > 0.9) throw new UsageException(string.Create(inv, $"--hold-out {hold} must be 0-0.9"));
            if (r.GetValue(crop) is { } c && (c < 32 || c % 16 != 0)) throw new UsageException($"--crop-size {c} must be a multiple of 16, at least 32");
            try { BusOptions.Parse(r.GetValue(bus)!); }
            catch (FormatException ex) { throw new UsageException($"--bus: {ex.Message}"); }
            try { DeviceChoice.Parse(r.GetValue(device)!); }
            catch (ArgumentException ex) { throw new UsageException($"--device: {ex.Message}"); }
            string startModel = r.GetValue(start)!;
            ModelLocator.ResolveForService(startModel);
            if (r.GetValue(reference) is { } rf) ModelLocator.Resolve(rf);
            HitlCharts.CheckCompare(r.GetValue(compare));
            double redraw = r.GetValue(redrawBelow);
            if (SimulatedCurator.CheckRedrawBelow(redraw, "--redraw-below") is { } badRedraw) throw new UsageException(badRedraw);
            double minutes = r.GetValue(timeout);
            if (!(minutes > 0)) throw new UsageException(string.Create(inv, $"--step-timeout {minutes} must be > 0 minutes"));
            TrainingCpu.LimitOneDnn(console.Out);
            var loop = new ServiceLoop(new ServiceLoopSettings
            {
                Images = imgDir, Test = testDir, StartModel = startModel, Out = r.GetValue(outDir)!, Steps = n, Epochs = ep,
                Bus = r.GetValue(bus)!, Database = r.GetValue(db), Diameter = d, Chan = r.GetValue(chan), Chan2 = r.GetValue(chan2),
                Device = r.GetValue(device)!, MinApGain = r.GetValue(minGain), HoldOutFraction = hold, CropSize = r.GetValue(crop),
                Reference = r.GetValue(reference), CompareCsv = r.GetValue(compare), StepTimeout = TimeSpan.FromMinutes(minutes),
                RedrawBelow = redraw,
            }, console.Out);
            try
            {
                await loop.RunAsync(cancel);
            }
            catch (Exception ex) when (ex is ReviewApiException or TimeoutException or InvalidOperationException)
            {
                console.Error.WriteLine($"acqseg hitl-service: {ex.Message}");
                return CliApp.InputFailed;
            }
            catch (Exception ex) when (!cancel.IsCancellationRequested && ex is HttpRequestException or TaskCanceledException)
            {
                console.Error.WriteLine($"acqseg hitl-service: the service stopped answering ({ex.GetBaseException().Message}); its log is {Path.Combine(r.GetValue(outDir)!, "service.log")}");
                return CliApp.InputFailed;
            }
            return CliApp.Ok;
        });
        return cmd;
    }
}
