// The servers are shared: tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
