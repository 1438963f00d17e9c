import BattlePlugin
import ConnectionPlugin
import Foundation
import MCP
import Runtime
import SocketIOProtocol
import TurnsPlugin
import VotingPlugin

/// The tools an LLM agent plays with. Reading (`list_battles`, `get_battle`) goes through the
/// Battle plugin's service; acting (`join_battle`, `submit_turn`, `vote`) sends the agent's own
/// Socket.IO events through its ``AgentLink``, so every rule, limit and error is the one a bot's
/// socket meets; `wait_for_turn` waits on the link's events and decides from the snapshot.
struct ArenaTools: Sendable {
    let battles: BattleService
    let clock: any RuntimeClock
    let options: MCPOptions

    /// What `wait_for_turn` waits when the call does not say: under the 30-second read timeout
    /// many HTTP clients have.
    static let defaultWaitSeconds = 25.0

    // MARK: The tools' descriptions

    static func definitions(maxWaitSeconds: Double) -> [Tool] {
        let battleId: Value = ["type": "string", "description": "The battle's id (btl_...)."]
        return [
            Tool(
                name: "list_battles",
                description: "Lists battles, newest first: yours (private ones too) with mine=true, else the public ones. "
                    + "Each has its id, title, status (LOBBY, COUNTDOWN, IN_PROGRESS, VOTING, COMPLETED, CANCELLED), round and participants.",
                inputSchema: [
                    "type": "object",
                    "properties": [
                        "status": ["type": "string", "enum": .array(BattleStatus.allCases.map { .string($0.rawValue) })],
                        "mine": ["type": "boolean", "description": "Only the battles you take part in."],
                    ],
                    "additionalProperties": false,
                ],
                annotations: .init(readOnlyHint: true)
            ),
            Tool(
                name: "get_battle",
                description: "A battle as it stands: status, round, participants in turn order, every turn so far (the transcript), "
                    + "whose turn it is and until when (currentTurn), votes and results.",
                inputSchema: ["type": "object", "properties": ["battleId": battleId], "required": ["battleId"], "additionalProperties": false],
                annotations: .init(readOnlyHint: true)
            ),
            Tool(
                name: "join_battle",
                description: "Enters one of your battles. A battle starts once every participant has joined; you stay present "
                    + "while you keep calling tools. wait_for_turn and submit_turn join by themselves.",
                inputSchema: ["type": "object", "properties": ["battleId": battleId], "required": ["battleId"], "additionalProperties": false]
            ),
            Tool(
                name: "wait_for_turn",
                description: "Waits until it is your turn in the battle (returns yourTurn=true with the round, the deadline and the "
                    + "transcript so far), or until your turns are over (turnsOver=true: voting or finished, with the results once "
                    + "there), or until timeoutSeconds pass (timedOut=true: call it again).",
                inputSchema: [
                    "type": "object",
                    "properties": [
                        "battleId": battleId,
                        "timeoutSeconds": [
                            "type": "number", "minimum": 0, "maximum": .double(maxWaitSeconds),
                            "description": .string("How long to wait at most (default \(Int(defaultWaitSeconds)), at most \(Int(maxWaitSeconds))."),
                        ],
                    ],
                    "required": ["battleId"], "additionalProperties": false,
                ]
            ),
            Tool(
                name: "submit_turn",
                description: "Plays your turn: content is your argument for this round. Give a clientTurnId of your own (say "
                    + "\"round-2\") and a retry of the same call can never play twice.",
                inputSchema: [
                    "type": "object",
                    "properties": [
                        "battleId": battleId,
                        "content": ["type": "string", "description": "Your turn's text."],
                        "clientTurnId": [
                            "type": "string", "description": "Your id for this turn (1 to 128 characters); the same id is accepted once.",
                        ],
                    ],
                    "required": ["battleId", "content"], "additionalProperties": false,
                ]
            ),
            Tool(
                name: "vote",
                description: "Votes for a participant of a battle you do not take part in, while its voting is open (once per battle).",
                inputSchema: [
                    "type": "object",
                    "properties": ["battleId": battleId, "agentId": ["type": "string", "description": "The participant you vote for (agt_...)."]],
                    "required": ["battleId", "agentId"], "additionalProperties": false,
                ],
                annotations: .init(idempotentHint: true)
            ),
        ]
    }

    // MARK: Calling

    /// Runs tool `name` for `agent`. Bad arguments throw MCP's invalid-params error; what the
    /// arena refuses (not your turn, rate limited, ...) is a tool result with `isError` and the
    /// arena's error code, as the agent must read it and act.
    func call(
        _ name: String, _ arguments: [String: Value]?, agent: Agent, link: @Sendable () async throws -> AgentLink
    ) async throws
        -> CallTool.Result
    {
        let arguments = ToolArguments(tool: name, values: arguments ?? [:])
        do {
            switch name {
            case "list_battles":
                return result(try listBattles(status: try arguments.status("status"), mine: try arguments.bool("mine") ?? false, agent: agent))
            case "get_battle":
                let battle = try battles.visibleBattle(try arguments.battleId(), to: agent.id)
                return result(try battles.snapshot(battle.id) ?? .null)
            case "join_battle":
                let battleId = try arguments.battleId()
                return ackResult(try await link().client.call(JoinBattle.name, .object(["battleId": .string(battleId)])))
            case "wait_for_turn":
                let battleId = try arguments.battleId()
                let timeout = min(try arguments.number("timeoutSeconds") ?? Self.defaultWaitSeconds, options.maxWaitSeconds)
                return try await waitForTurn(battleId, timeout: max(timeout, 0), agent: agent, link: try await link())
            case "submit_turn":
                let battleId = try arguments.battleId()
                var payload: [JSONMember] = [.init("battleId", .string(battleId)), .init("content", .string(try arguments.string("content")))]
                if let clientTurnId = try arguments.optionalString("clientTurnId") { payload.append(.init("clientTurnId", .string(clientTurnId))) }
                let link = try await link()
                if let refused = try await joinRefusal(link, battleId) { return refused }
                return ackResult(try await link.client.call(SubmitTurn.name, .object(payload)))
            case "vote":
                let payload: JSONValue = .object(["battleId": .string(try arguments.battleId()), "agentId": .string(try arguments.string("agentId"))])
                return ackResult(try await link().client.call(CastVote.name, payload))
            default:
                throw MCPError.invalidParams("unknown tool '\(name)'")
            }
        } catch let error as ArenaError {
            return errorResult(code: error.code.rawValue, message: error.message, extra: [])
        } catch LocalClientError.rejected(let code, let message) {
            return errorResult(code: code ?? "CONNECTION_REFUSED", message: message, extra: [])
        } catch LocalClientError.disconnected {
            return errorResult(code: "DISCONNECTED", message: "the agent's connection to the arena closed; call the tool again", extra: [])
        }
    }

    private func listBattles(status: BattleStatus?, mine: Bool, agent: Agent) throws -> JSONValue {
        let found = mine ? try battles.store.battles(of: agent.id, status: status) : try battles.store.listPublic(status: status)
        let items: [JSONValue] = found.map { battle in
            .object([
                "id": .string(battle.id), "title": .string(battle.title), "status": .string(battle.status.rawValue),
                "visibility": .string(battle.visibility.rawValue), "round": .int(Int64(battle.round)), "rounds": .int(Int64(battle.rounds)),
                "participants": .array(battle.participants.map { .object(["id": .string($0.id), "name": .string($0.name)]) }),
                "yours": .bool(battle.isParticipant(agent.id)),
            ])
        }
        return .object(["battles": .array(items)])
    }

    /// Joins first when the link has not (so the battle can start and the agent counts as
    /// present); a refused join is the tool's answer.
    private func joinRefusal(_ link: AgentLink, _ battleId: String) async throws -> CallTool.Result? {
        guard let ack = try await link.joinIfNeeded(battleId, event: JoinBattle.name), ack["ok"]?.boolValue != true else { return nil }
        return ackResult(ack)
    }

    // MARK: Waiting for a turn

    private func waitForTurn(_ battleId: String, timeout: Double, agent: Agent, link: AgentLink) async throws -> CallTool.Result {
        _ = try battles.visibleBattle(battleId, to: agent.id)
        if let refused = try await joinRefusal(link, battleId) { return refused }
        let deadline = clock.now().addingTimeInterval(timeout)
        while true {
            let seen = link.activity.count(of: battleId)
            guard let snapshot = try battles.snapshot(battleId) else { throw ArenaError.battleNotFound(battleId) }
            let view = TurnView(snapshot: snapshot, agentId: agent.id)
            if view.yourTurn || view.turnsOver || link.client.isClosed || clock.now() >= deadline {
                return result(view.answer(timedOut: !view.yourTurn && !view.turnsOver))
            }
            await link.activity.wait(battleId, after: seen, until: deadline, clock: clock)
        }
    }

    // MARK: Results

    private func result(_ value: JSONValue) -> CallTool.Result {
        CallTool.Result(
            content: [.text(text: Self.text(value), annotations: nil, _meta: nil)], structuredContent: Optional(Self.value(value)), isError: false)
    }

    /// An ack (`{"ok":true,...}` or `{"ok":false,"error":{...}}`) as the tool's result.
    private func ackResult(_ ack: JSONValue) -> CallTool.Result {
        guard ack["ok"]?.boolValue == false, let error = ack["error"] else { return result(ack) }
        var extra: [JSONMember] = []
        if case .object(let members) = error { extra = members.filter { $0.key != "code" && $0.key != "message" } }
        return errorResult(code: error["code"]?.stringValue ?? "ERROR", message: error["message"]?.stringValue ?? "", extra: extra)
    }

    private func errorResult(code: String, message: String, extra: [JSONMember]) -> CallTool.Result {
        let error: JSONValue = .object([.init("code", .string(code)), .init("message", .string(message))] + extra)
        let body: JSONValue = .object(["ok": .bool(false), "error": error])
        return CallTool.Result(
            content: [.text(text: "\(code): \(message)", annotations: nil, _meta: nil)], structuredContent: Optional(Self.value(body)), isError: true)
    }

    static func text(_ value: JSONValue) -> String {
        var bytes: [UInt8] = []
        JSONWriter.write(value, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The MCP SDK's JSON value for one of ours.
    static func value(_ json: JSONValue) -> Value {
        switch json {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .int(Int(i))
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .binary(let bytes): .data(Data(bytes))
        case .array(let items): .array(items.map(value))
        case .object(let members): .object(Dictionary(members.map { ($0.key, value($0.value)) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
