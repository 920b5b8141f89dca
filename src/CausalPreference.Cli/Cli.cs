using System.CommandLine;
using CausalPreference.IO;

namespace CausalPreference.Cli;

/// <summary>Exit codes and error handling shared by every verb: 0 ok, 2 bad input, 1 failure.</summary>
public static class Cli
{
    public const int Ok = 0, Failure = 1, BadInput = 2;

    public static int Invoke(RootCommand root, string[] args)
    {
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        try
        {
            var parsed = root.Parse(args);
            if (parsed.Errors.Count == 0 || parsed.Action is not System.CommandLine.Invocation.ParseErrorAction)
                return parsed.Invoke(config);
            // A malformed command line is bad input (exit 2). The errors and the verb's help go to stderr, so that
            // stdout (which may be a result file, e.g. --out -) never receives them.
            // Only the errors and the "did you mean" hint, not the full help under which they would scroll away.
            config.Output = Console.Error;
            if (parsed.Action is System.CommandLine.Invocation.ParseErrorAction pea) pea.ShowHelp = false;
            parsed.Invoke(config);
            var verb = parsed.CommandResult.Command;
            var name = verb is RootCommand ? "causalpo" : $"causalpo {verb.Name}";
            Console.Error.WriteLine($"Run '{name} --help' for the options.");
            return BadInput;
        }
        catch (Exception e) { return Report(e); }
    }

    /// <summary>Sets the verb's action, mapping <see cref="InputException"/> to exit code 2 and anything else to 1.</summary>
    public static void SetAction(Command command, Func<ParseResult, int> action) =>
        command.SetAction(pr =>
        {
            try { return action(pr); }
            catch (Exception e) { return Report(e); }
        });

    /// <summary>The CLI's spelling of a library parameter: <c>batch_size</c> → <c>--batch-size</c>.</summary>
    public static string AsFlag(string parameter) => "--" + parameter.Replace('_', '-');

    public static int Report(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } ae) e = ae.InnerException!;
        if (e is InputException ie)
        {
            // the library names parameters (`batch_size`); the CLI's users know them as flags (--batch-size)
            Console.Error.WriteLine($"error: {ie.Respell(AsFlag).Message}");
            return BadInput;
        }
        if (e is OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return Failure;
        }
        Console.Error.WriteLine($"failed: {InputException.Respell(e.Message, AsFlag)}");
        if (Environment.GetEnvironmentVariable("CAUSALPO_DEBUG") == "1") Console.Error.WriteLine(e);
        else Console.Error.WriteLine("(set CAUSALPO_DEBUG=1 for the stack trace)");
        return Failure;
    }

    /// <summary>An option with a description and an optional default.</summary>
    public static Option<T> Opt<T>(string name, string description, T? defaultValue = default, bool required = false)
    {
        var o = new Option<T>(name) { Description = description, Required = required };
        if (defaultValue is not null) o.DefaultValueFactory = _ => defaultValue;
        return o;
    }
}
