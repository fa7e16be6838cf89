namespace AcqSeg.Cli;

public static class CliApp
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("usage: acqseg <segment|remask|flows|eval|bench> ...");
        return args.Length == 0 ? 2 : 2;
    }
}
