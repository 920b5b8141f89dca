using System.CommandLine;
using CausalPreference.Cli.Commands;

namespace CausalPreference.Cli;

/// <summary>Every verb of causalpo, one file each under Commands/.</summary>
public static class Verbs
{
    public static IEnumerable<Command> All()
    {
        yield return DemoCommand.Build();
        yield return SftCommand.Build();
        yield return ScoreCommand.Build();
        yield return GenerateCommand.Build();
        yield return PrepareCommand.Build();
        yield return OutcomeModelCommand.Build();
        yield return TrainCommand.Build();
        yield return SimulateCommand.Build();
        yield return InfoCommand.Build();
        yield return JudgeCommand.Build();
        yield return AgreementCommand.Build();
        yield return EvaluateCommand.Build();
        yield return ReportCommand.Build();
        yield return PipelineCommand.Build();
        yield return RefuteCommand.Build();
        yield return ExportCommand.Build();
        yield return WordCoverageCommand.Build();
    }
}
