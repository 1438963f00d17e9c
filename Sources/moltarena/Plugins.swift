import BattlePlugin
import BenchPlugin
import ConnectionPlugin
import MCPPlugin
import TurnsPlugin
import VotingPlugin
import Runtime

/// The plugins this binary carries; plugins.conf chooses which of them run.
enum Plugins {
    static let catalog = PluginCatalog([
        ConnectionPlugin.self,
        BattlePlugin.self,
        TurnsPlugin.self,
        VotingPlugin.self,
        MCPPlugin.self,
        BenchPlugin.self,
    ])
}
