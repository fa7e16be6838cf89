using System.CommandLine;
using System.Text.Json;
using AcqSeg.Models.Zoo;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>`acqseg zoo show NAME`: the manifest as JSON, then the model card (written first if it is missing).</summary>
internal static class ZooShowCommand
{
    public static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model name" };
        var zooDir = ZooOption();
        var cmd = new Command("show", "Print a model's manifest and its card") { name, zooDir };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            string n = r.GetValue(name)!;
            var m = ZooCall(() => zoo.Manifest(n));
            console.Out.WriteLine(JsonSerializer.Serialize(m, ModelManifest.Json));
            console.Out.WriteLine();
            string card = Path.Combine(zoo.Folder(n), ModelZoo.CardFile);
            if (!File.Exists(card)) ZooCall(() => { zoo.WriteCard(n); return 0; });
            console.Out.Write(File.ReadAllText(card));
            return CliApp.Ok;
        });
        return cmd;
    }
}
