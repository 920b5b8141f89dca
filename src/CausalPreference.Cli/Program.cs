using System.CommandLine;
using CausalPreference.Cli;

var root = new RootCommand(
    "causalpo: optimize a language model for human preferences from direct outcome data (text, numeric outcome), " +
    "as a causal inference problem (CPO, DR-CPO, OO-RLHF, FT), with honest value estimates.");
foreach (var command in Verbs.All())
    root.Subcommands.Add(command);
return Cli.Invoke(root, args);
