using System.Runtime.CompilerServices;

// The evaluation tests exercise the private CSV reader directly.
[assembly: InternalsVisibleTo("CausalPreference.Tests")]
