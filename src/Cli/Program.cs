return AcqSeg.Cli.CliApp.Run(args);
