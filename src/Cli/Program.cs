return AcqSeg.Cli.CliApp.Run(args, Console.Out, Console.Error);
