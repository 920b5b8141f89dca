// libtorch's random generator is process-global: tests that seed it must not interleave.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
