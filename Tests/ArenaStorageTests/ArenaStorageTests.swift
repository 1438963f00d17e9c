import Testing

/// Every suite that uses the PostgreSQL test cluster is nested here, run one test at a time: the
/// restart test takes the cluster down for a moment, which must not fail a test running beside it.
@Suite(.serialized) struct ArenaStorageTests {}
