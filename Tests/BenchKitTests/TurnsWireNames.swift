import ArenaProtocol

/// The protocol's submit event name, in a file of its own: BenchKit declares a `SubmitTurn`
/// too, and a file importing both could not name this one.
let turnsSubmitTurnName = SubmitTurn.name
