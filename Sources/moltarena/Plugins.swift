import BattlePlugin
import ConnectionPlugin
import Runtime

/// The plugins this binary carries; plugins.conf chooses which of them run.
enum Plugins {
    static let catalog = PluginCatalog([
        ConnectionPlugin.self,
        BattlePlugin.self,
    ])
}
