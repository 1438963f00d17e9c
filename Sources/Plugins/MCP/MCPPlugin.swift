import BattlePlugin
import ConnectionPlugin
import Runtime

/// The Model Context Protocol for LLM agents: `POST /mcp` on the server's own port, the agent's
/// API key as a Bearer token, and the tools `list_battles`, `get_battle`, `join_battle`,
/// `wait_for_turn`, `submit_turn` and `vote` (``ArenaTools``). It has no rules of its own: it
/// reads through the Battle plugin's service and acts through the agent's own Socket.IO events,
/// sent by an in-process client (``AgentLink``), so turns and votes meet the Turns and Voting
/// plugins exactly as a bot's socket does.
///
/// ```toml
/// [mcp]
/// idle_seconds = 300
/// ```
public struct MCPPlugin: Plugin {
    public static let name = "mcp"
    public static let requires = ["connection", "battle"]

    public typealias Options = MCPOptions
    let options: MCPOptions

    public init(options: MCPOptions, mode: PluginMode) throws {
        self.options = try options.validated()
    }

    public func register(with registrar: inout Registrar) throws {
        let services = registrar.services
        let battles = try registrar.resolve(BattleService.self)
        let agents = try registrar.resolve(AgentStore.self)
        let links = AgentLinks(clients: services.localClients, clock: services.clock, idle: .fractionalSeconds(options.idleSeconds))
        let endpoint = MCPEndpoint(
            agents: agents, links: links, tools: ArenaTools(battles: battles, clock: services.clock, options: options),
            rateLimiter: services.rateLimiter, options: options, logger: services.logger
        )
        registrar.routes { router in endpoint.add(to: router) }
    }
}
