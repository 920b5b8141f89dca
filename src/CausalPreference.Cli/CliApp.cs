using System.CommandLine;

namespace CausalPreference.Cli;

/// <summary>The causalpo command tree. <see cref="Run"/> is what the executable calls; tests call it in-process.</summary>
public static class CliApp
{
    public static RootCommand Root()
    {
        var root = new RootCommand(
            "causalpo: optimize a language model for human preferences from direct outcome data (text, numeric outcome), " +
            "as a causal inference problem (CPO, DR-CPO, OO-RLHF, FT), with honest value estimates.");
        foreach (var command in Verbs.All())
            root.Subcommands.Add(command);
        return root;
    }

    /// <summary>Runs the CLI; returns the exit code (0 ok, 2 bad input, 1 failure).</summary>
    public static int Run(string[] args) => Cli.Invoke(Root(), args);
}
