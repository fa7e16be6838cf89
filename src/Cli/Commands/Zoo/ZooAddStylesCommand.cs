using System.CommandLine;
using AcqSeg.Engine.Training;
using AcqSeg.Engine.Zoo;
using AcqSeg.Imaging.Io;
using AcqSeg.Models.Zoo;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>`acqseg zoo add-styles NAME --dir DIR...`: stores the styles of a model's training images, computed by the reference model, for `zoo suggest`.</summary>
internal static class ZooAddStylesCommand
{
    public static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model whose training images these are" };
        var dirs = new Option<string[]>("--dir") { Description = "Folder(s) of the model's training images", Required = true, AllowMultipleArgumentsPerToken = true };
        var reference = ReferenceOption();
        var diameter = new Option<double>("--diameter") { Description = "Diameter the styles are computed at (0 = each image's masks' diameter)", DefaultValueFactory = _ => 30.0 };
        var maskSuffix = MaskSuffixOption("Suffix of mask files (for --diameter 0)");
        var chan = ChanOption();
        var chan2 = Chan2Option();
        var device = DeviceOption();
        var zooDir = ZooOption();
        var cmd = new Command("add-styles", "Store the styles of a model's training images (from the reference model) for `zoo suggest`")
        {
            name, dirs, reference, diameter, maskSuffix, chan, chan2, device, zooDir,
        };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            string n = r.GetValue(name)!;
            if (!zoo.Contains(n)) throw new UsageException($"no model '{n}' in {zoo.Root}");
            string refName = ReferenceName(zoo, r.GetValue(reference));
            double d = r.GetValue(diameter);
            if (d < 0 || double.IsNaN(d)) throw new UsageException($"--diameter {d} must be >= 0");
            string suffix = r.GetValue(maskSuffix)!;
            var images = new List<string>();
            foreach (string dir in r.GetValue(dirs)!)
            {
                if (!Directory.Exists(dir)) throw new UsageException($"--dir '{dir}' is not a folder");
                images.AddRange(InputFiles.Expand([dir]));
            }
            string refWeights = ZooCall(() => zoo.WeightsPath(refName));
            using var model = LoadModel(refWeights, r.GetValue(device)!);
            var examples = new List<StyleExample>();
            foreach (string img in images)
            {
                double? at = d > 0 ? d : TrainingData.MasksDiameterFor(img, suffix);
                var image = TiffReader.Read(img);
                examples.Add(new StyleExample(Path.GetFileName(img), ZooNetwork.StyleOf(model, image, r.GetValue(chan), r.GetValue(chan2), at)));
            }
            ZooCall(() => { zoo.SaveStyles(n, new StyleSet(refName, ModelSuggester.Sha256(refWeights), examples)); return 0; });
            console.Out.WriteLine($"stored {examples.Count} styles of {n}'s images (reference model {refName}) in {zoo.StylesPath(n)}");
            return CliApp.Ok;
        });
        return cmd;
    }
}
