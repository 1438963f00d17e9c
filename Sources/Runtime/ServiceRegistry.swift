import NIOConcurrencyHelpers

/// Typed values plugins share with the plugins that require them (the Battle plugin's battle
/// service, the Connection plugin's agent store). Filled while plugins register, in dependency
/// order, so a plugin finds what the plugins it requires provided.
public final class ServiceRegistry: Sendable {
    private let values = NIOLockedValueBox<[ObjectIdentifier: any Sendable]>([:])

    public init() {}

    public func provide<T: Sendable>(_ value: T, as type: T.Type = T.self) {
        values.withLockedValue { $0[ObjectIdentifier(type)] = value }
    }

    public func resolve<T: Sendable>(_ type: T.Type) -> T? {
        values.withLockedValue { $0[ObjectIdentifier(type)] as? T }
    }
}

extension Registrar {
    /// Makes a value available to plugins that require this one.
    public mutating func provide<T: Sendable>(_ value: T, as type: T.Type = T.self) {
        services.registry.provide(value, as: type)
    }

    /// A value a required plugin provided. Registration order follows `requires`, so it is there
    /// when the providing plugin is listed in `requires`.
    public func resolve<T: Sendable>(_ type: T.Type) -> T {
        guard let value = services.registry.resolve(type) else {
            preconditionFailure("[\(pluginName)] needs \(type), which no required plugin provided")
        }
        return value
    }
}
