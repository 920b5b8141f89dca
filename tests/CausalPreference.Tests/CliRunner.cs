using CausalPreference.Cli;

namespace CausalPreference.Tests;

/// <summary>What one in-process CLI invocation returned and printed.</summary>
public sealed record CliResult(int Exit, string Out, string Err)
{
    public override string ToString() => $"exit {Exit}\n--- stdout ---\n{Out}\n--- stderr ---\n{Err}";
}

/// <summary>Runs <see cref="CliApp.Run"/> in-process with stdout and stderr captured (tests run serially, so this is safe).</summary>
public static class CliRunner
{
    public static CliResult Run(params string[] args)
    {
        TextWriter oldOut = Console.Out, oldErr = Console.Error;
        var o = new StringWriter();
        var e = new StringWriter();
        try
        {
            Console.SetOut(o);
            Console.SetError(e);
            int code = CliApp.Run(args);
            return new CliResult(code, o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }
}
