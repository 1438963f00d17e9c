import ArenaStorage

extension ArenaError {
    /// What a client is told of an error that is not an ``ArenaError``: a database that cannot be
    /// reached is DATABASE_UNAVAILABLE (retryable, nothing was written); anything else is
    /// INTERNAL_ERROR, never shown raw.
    public static func answering(_ error: any Error) -> ArenaError {
        if let error = error as? ArenaError { return error }
        if case SQLError.unavailable = error { return .databaseUnavailable }
        return .internalError
    }
}
