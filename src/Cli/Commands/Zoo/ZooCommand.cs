using System.CommandLine;

namespace AcqSeg.Cli.Commands.Zoo;

/// <summary>
/// `acqseg zoo list | show NAME | import PATH.pth --name NAME [--size-model F] | export NAME PATH | train-size NAME --dir DIR | compare --dir DIR
/// | add-styles NAME --dir DIR | suggest IMAGE... | size-check NAME --dir DIR | size-passes NAME N | average A B | target NAME LABEL | licence NAME[@V] [ID --data D]`: the model registry (models/NAME/manifest.json, card.md, versions/).
/// One class a subcommand beside this file; what they share is in <see cref="ZooShared"/>.
/// </summary>
public static class ZooCommand
{
    public static Command Create(CliConsole console) => new("zoo", "The model zoo: versions with lineage, model cards, size models and style-based model suggestion")
    {
        ZooListCommand.Create(console), ZooShowCommand.Create(console), ZooImportCommand.Create(console), ZooExportCommand.Create(console),
        ZooTrainSizeCommand.Create(console), ZooAddStylesCommand.Create(console), ZooSuggestCommand.Create(console), ZooEvalCommand.Create(console),
        ZooCompareCommand.Create(console), ZooSizeCheckCommand.Create(console), ZooSizePassesCommand.Create(console), ZooAverageCommand.Create(console),
        ZooTargetCommand.Create(console), ZooLicenceCommand.Create(console), ZooParityCommand.Create(console), ZooThresholdsCommand.Create(console),
    };
}
