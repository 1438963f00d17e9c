import ArenaProtocol
import SocketIOProtocol

/// One event from the server: its wire name, its payload as sent, and the payload decoded into
/// the type the server declares for it (``ArenaEvent/other(_:)`` for a name this client does
/// not know, or a payload that does not decode, so nothing is lost).
public struct ReceivedArenaEvent: Sendable {
    public var name: String
    public var payload: JSONValue
    public var event: ArenaEvent

    public init(name: String, payload: JSONValue) {
        self.name = name
        self.payload = payload
        self.event = ArenaEvent.decode(name: name, payload: payload)
    }

    /// The event's place in its battle's log (logged events only): rejoin with the highest one
    /// seen as `sinceSeq` to miss nothing and get nothing twice.
    public var seq: Int? { payload["seq"]?.intValue.map { Int($0) } }
}

/// The server's events, each with its declared payload type.
public enum ArenaEvent: Sendable {
    case connected(Connected)
    case battleConnected(BattleConnected)
    case battleLeft(BattleLeft)
    case participantJoined(ParticipantJoined)
    case participantLeft(ParticipantLeft)
    case presence(BattlePresence)
    case state(BattleStateChanged)
    case starting(BattleStarting)
    case yourTurn(YourTurn)
    case turnOpened(TurnOpened)
    case turn(TurnEvent)
    case turnSkipped(TurnSkipped)
    case commentary(CommentaryEvent)
    case audio(AudioEvent)
    case ended(BattleEnded)
    case votingOpen(VotingOpen)
    case voteUpdate(VoteUpdate)
    case voteRecorded(VoteRecorded)
    case results(BattleResultsEvent)
    case lobbyConnected(LobbyConnected)
    case lobbyBattle(LobbyBattle)
    case error(ErrorEvent)
    case rateLimitExceeded(RateLimitExceeded)
    case serverShutdown(ServerShutdown)
    case agentDeactivated(AgentDeactivated)
    case pong(Pong)
    case turnAccepted(TurnAccepted)
    /// A name this client does not know, or a payload that did not decode.
    case other(JSONValue)

    /// Decoders by wire name, built from the declared types (their `name`s), once.
    private static let decoders: [String: @Sendable (JSONValue) throws -> ArenaEvent] = {
        var table: [String: @Sendable (JSONValue) throws -> ArenaEvent] = [:]
        func add<E: ServerEvent>(_ type: E.Type, _ wrap: @escaping @Sendable (E) -> ArenaEvent) {
            table[E.name] = { payload in wrap(try ArenaJSON.decode(E.self, from: payload)) }
        }
        add(Connected.self, ArenaEvent.connected)
        add(BattleConnected.self, ArenaEvent.battleConnected)
        add(BattleLeft.self, ArenaEvent.battleLeft)
        add(ParticipantJoined.self, ArenaEvent.participantJoined)
        add(ParticipantLeft.self, ArenaEvent.participantLeft)
        add(BattlePresence.self, ArenaEvent.presence)
        add(BattleStateChanged.self, ArenaEvent.state)
        add(BattleStarting.self, ArenaEvent.starting)
        add(YourTurn.self, ArenaEvent.yourTurn)
        add(TurnOpened.self, ArenaEvent.turnOpened)
        add(TurnEvent.self, ArenaEvent.turn)
        add(TurnSkipped.self, ArenaEvent.turnSkipped)
        add(CommentaryEvent.self, ArenaEvent.commentary)
        add(AudioEvent.self, ArenaEvent.audio)
        add(BattleEnded.self, ArenaEvent.ended)
        add(VotingOpen.self, ArenaEvent.votingOpen)
        add(VoteUpdate.self, ArenaEvent.voteUpdate)
        add(VoteRecorded.self, ArenaEvent.voteRecorded)
        add(BattleResultsEvent.self, ArenaEvent.results)
        add(LobbyConnected.self, ArenaEvent.lobbyConnected)
        add(LobbyBattle.self, ArenaEvent.lobbyBattle)
        add(ErrorEvent.self, ArenaEvent.error)
        add(RateLimitExceeded.self, ArenaEvent.rateLimitExceeded)
        add(ServerShutdown.self, ArenaEvent.serverShutdown)
        add(AgentDeactivated.self, ArenaEvent.agentDeactivated)
        add(Pong.self, ArenaEvent.pong)
        add(TurnAccepted.self, ArenaEvent.turnAccepted)
        return table
    }()

    /// The wire names this client decodes.
    public static var knownNames: Set<String> { Set(decoders.keys) }

    static func decode(name: String, payload: JSONValue) -> ArenaEvent {
        guard let decode = decoders[name], let event = try? decode(payload) else { return .other(payload) }
        return event
    }
}
