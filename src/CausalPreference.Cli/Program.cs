return CausalPreference.Cli.CliApp.Run(args);
