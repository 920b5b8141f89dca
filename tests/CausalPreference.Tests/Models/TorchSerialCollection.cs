namespace CausalPreference.Tests.Models;

/// <summary>
/// Tests that seed TorchSharp's global random generator (manual_seed, then build or train a model) must not run while
/// another test draws from it: xunit runs test classes in parallel, and a concurrent draw changes "seeded" weights.
/// This collection runs alone, after the parallel ones. Any test class relying on manual_seed belongs here.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchSerialCollection
{
    public const string Name = "torch global RNG (serial)";
}
