using System.CommandLine;
using System.Text.Json;
using AcqSeg.Engine.Zoo;
using AcqSeg.Imaging.Io;
using AcqSeg.Models.Zoo;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>`acqseg zoo suggest IMAGE...`: per image the zoo model that the k nearest stored training styles vote for.</summary>
internal static class ZooSuggestCommand
{
    public static Command Create(CliConsole console)
    {
        var images = new Argument<string[]>("images") { Description = "TIFF files or folders", Arity = ArgumentArity.OneOrMore };
        var reference = ReferenceOption();
        var k = new Option<int>("--k") { Description = "Neighbours that vote", DefaultValueFactory = _ => 5 };
        var diameter = new Option<double>("--diameter") { Description = "Diameter the image's style is computed at (Cellpose's GUI: 30)", DefaultValueFactory = _ => 30.0 };
        var chan = ChanOption();
        var chan2 = Chan2Option();
        var json = new Option<bool>("--json") { Description = "One JSON line per image" };
        var device = DeviceOption();
        var zooDir = ZooOption();
        var cmd = new Command("suggest", "Choose a zoo model per image: the k nearest stored training styles vote")
        {
            images, reference, k, diameter, chan, chan2, json, device, zooDir,
        };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            string refName = ReferenceName(zoo, r.GetValue(reference));
            int kk = r.GetValue(k);
            if (kk < 1) throw new UsageException($"--k {kk} must be at least 1");
            double d = r.GetValue(diameter);
            if (!(d > 0)) throw new UsageException($"--diameter {d} must be positive");
            var files = InputFiles.Expand(r.GetValue(images)!);
            ModelSuggester suggester;
            IReadOnlyList<string> skipped;
            try { suggester = ModelSuggester.FromZoo(zoo, refName, kk, out skipped); }
            catch (ZooException ex) { throw new UsageException(ex.Message); }
            foreach (string left in skipped) console.Error.WriteLine($"acqseg zoo suggest: left out {left}");
            using var model = LoadModel(ZooCall(() => zoo.WeightsPath(refName)), r.GetValue(device)!);
            int failed = 0;
            foreach (string file in files)
            {
                try
                {
                    var style = ZooNetwork.StyleOf(model, TiffReader.Read(file), r.GetValue(chan), r.GetValue(chan2), d);
                    var s = suggester.Suggest(style);
                    if (r.GetValue(json))
                    {
                        console.Out.WriteLine(JsonSerializer.Serialize(new
                        {
                            image = file,
                            model = s.Model,
                            votes = s.Votes,
                            neighbours = s.Neighbours.Select(nb => new { model = nb.Model, image = nb.Image, distance = Math.Round(nb.Distance, 5) }),
                        }));
                    }
                    else
                    {
                        string votes = string.Join(", ", s.Votes.OrderByDescending(v => v.Value).Select(v => $"{v.Key} {v.Value}"));
                        string near = string.Join(", ", s.Neighbours.Select(nb => string.Create(Inv, $"{nb.Model}:{nb.Image} {nb.Distance:0.0000}")));
                        console.Out.WriteLine($"{file}: {s.Model} (votes {votes}; nearest {near})");
                    }
                }
                catch (Exception ex) when (ex is TiffReadException or ArgumentException or IOException)
                {
                    console.Error.WriteLine($"acqseg zoo suggest: {(ex is TiffReadException ? ex.Message : $"{file}: {ex.Message}")}");
                    failed++;
                }
            }
            return failed > 0 ? CliApp.InputFailed : CliApp.Ok;
        });
        return cmd;
    }
}
