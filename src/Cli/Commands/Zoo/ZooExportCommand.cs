using System.CommandLine;
using static AcqSeg.Cli.Commands.Zoo.ZooShared;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>`acqseg zoo export NAME PATH`: a version's weights as a PyTorch .pth, its size model beside it.</summary>
internal static class ZooExportCommand
{
    public static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Zoo model name" };
        var path = new Argument<string>("path") { Description = "Target .pth (the size model goes beside it as NAME_size.json)" };
        var version = new Option<int?>("--version") { Description = "Version to export (default: current)" };
        var zooDir = ZooOption();
        var cmd = new Command("export", "Write a model's weights as a PyTorch .pth (and its size model beside it)") { name, path, version, zooDir };
        cmd.SetAction(r =>
        {
            var zoo = Open(r.GetValue(zooDir));
            var written = ZooCall(() => zoo.Export(r.GetValue(name)!, r.GetValue(path)!, r.GetValue(version)));
            foreach (string f in written) console.Out.WriteLine($"wrote {f}");
            return CliApp.Ok;
        });
        return cmd;
    }
}
