import NIOConcurrencyHelpers

/// Typed values plugins share with the plugins that require them (the Battle plugin's battle
/// service, the Connection plugin's agent store). Filled while plugins register, in dependency
/// order, so a plugin finds what the plugins it requires provided; closed when registration ends.
public final class ServiceRegistry: Sendable {
    private let values = NIOLockedValueBox<[ObjectIdentifier: any Sendable]>([:])

    package init() {}

    package func provide<T: Sendable>(_ value: T, as type: T.Type = T.self) {
        values.withLockedValue { $0[ObjectIdentifier(type)] = value }
    }

    /// The value a plugin provided, if any (for the command line and tests; plugins resolve
    /// through their ``Registrar``).
    public func resolve<T: Sendable>(_ type: T.Type) -> T? {
        values.withLockedValue { $0[ObjectIdentifier(type)] as? T }
    }
}

/// A plugin asked for a service no enabled plugin provides: a boot error naming both.
public struct MissingService: Error, CustomStringConvertible {
    public let plugin: String
    public let service: String

    public var description: String {
        "[\(plugin)] needs \(service), which no enabled plugin provides (is the plugin that offers it listed in `requires` and enabled?)"
    }
}

extension Registrar {
    /// Makes a value available to plugins that require this one.
    public mutating func provide<T: Sendable>(_ value: T, as type: T.Type = T.self) {
        services.registry.provide(value, as: type)
    }

    /// A value a required plugin provided. Registration order follows `requires`, so it is there
    /// when the providing plugin is listed in `requires`; otherwise start-up stops with
    /// ``MissingService``.
    public func resolve<T: Sendable>(_ type: T.Type) throws -> T {
        guard let value = services.registry.resolve(type) else {
            throw MissingService(plugin: pluginName, service: "\(type)")
        }
        return value
    }
}
