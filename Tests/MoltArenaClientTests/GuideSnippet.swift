import MoltArenaClient

/// docs/AGENTS.md section 12, as written (with its literals as parameters): compiled with the
/// tests so that the guide's Swift bot keeps compiling against the library.
func playAsTheGuideShows(url: String, key: String, battleId: String) async throws {
    let client = try await ArenaClient.connect(url: url, key: key)
    _ = try await client.send(JoinBattle(battleId: battleId))
    for await received in client.events {
        switch received.event {
        case .yourTurn(let turn):
            _ = try await client.send(SubmitTurn(battleId: turn.battleId, content: "Round \(turn.round): tabs.", clientTurnId: "round-\(turn.round)"))
        case .results(let results):
            print("winner:", results.winnerId ?? "none")
            await client.disconnect()
        default:
            break
        }
    }
}
