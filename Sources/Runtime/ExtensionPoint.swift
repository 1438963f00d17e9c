import NIOConcurrencyHelpers

/// A typed place where plugins plug into another plugin: the battle's conclusion, snapshot
/// sections. The plugin that owns the point declares it at boot; others contribute values; the
/// runtime checks both when registration closes, so a second contributor to a one-only point, or
/// a contribution to a point no enabled plugin declares, stops start-up naming the plugins
/// instead of silently replacing one another.
///
/// ```swift
/// // The Battle plugin:
/// public static let conclusion = ExtensionPoint<any BattleConclusion>("battle.conclusion", .atMostOne)
/// let conclusion = registrar.declare(Self.conclusion)      // read once the server runs
/// // The Voting plugin:
/// registrar.contribute(coordinator, to: BattlePlugin.conclusion)
/// ```
public struct ExtensionPoint<Value: Sendable>: Sendable {
    /// How many contributions a point takes.
    public enum Cardinality: Sendable {
        case atMostOne
        case many
    }

    public let name: String
    public let cardinality: Cardinality

    public init(_ name: String, _ cardinality: Cardinality) {
        self.name = name
        self.cardinality = cardinality
    }
}

/// What plugins contributed to one extension point, in registration order. Filled when
/// registration closes: empty while plugins are still registering.
public final class Contributions<Value: Sendable>: Sendable {
    private let values = NIOLockedValueBox<[Value]>([])

    init() {}

    public var all: [Value] { values.withLockedValue { $0 } }

    /// The single contribution of an `atMostOne` point, if any.
    public var one: Value? { all.first }

    func fill(_ contributed: [any Sendable]) {
        values.withLockedValue { $0 = contributed.compactMap { $0 as? Value } }
    }
}

/// A declared point, its contributions, and where to put them once boot checks pass.
struct DeclaredExtensionPoint {
    let name: String
    let plugin: String
    let cardinality: ExtensionPoint<Int>.Cardinality
    let fill: @Sendable ([any Sendable]) -> Void
}

struct ExtensionContribution {
    let point: String
    let plugin: String
    let value: any Sendable
}

extension Registrar {
    /// Declares a point other plugins contribute to; what they contribute is readable through
    /// the returned value once the server runs.
    public mutating func declare<Value>(_ point: ExtensionPoint<Value>) -> Contributions<Value> {
        let contributions = Contributions<Value>()
        let cardinality: ExtensionPoint<Int>.Cardinality = point.cardinality == .atMostOne ? .atMostOne : .many
        registrations.extensionPoints.append(
            DeclaredExtensionPoint(name: point.name, plugin: pluginName, cardinality: cardinality, fill: contributions.fill)
        )
        return contributions
    }

    /// Contributes a value to a point a required plugin declared.
    public mutating func contribute<Value>(_ value: Value, to point: ExtensionPoint<Value>) {
        registrations.contributions.append(ExtensionContribution(point: point.name, plugin: pluginName, value: value))
    }
}

extension Registrations {
    /// Checks every contribution against its point and hands the values over.
    func closeExtensionPoints() throws {
        var declared: [String: DeclaredExtensionPoint] = [:]
        for point in extensionPoints {
            if let first = declared[point.name] {
                throw RuntimeError(description: "extension point '\(point.name)' is declared by both [\(first.plugin)] and [\(point.plugin)]")
            }
            declared[point.name] = point
        }
        var byPoint: [String: [ExtensionContribution]] = [:]
        for contribution in contributions {
            guard declared[contribution.point] != nil else {
                throw RuntimeError(
                    description: "[\(contribution.plugin)] contributes to extension point '\(contribution.point)', which no enabled plugin declares"
                )
            }
            byPoint[contribution.point, default: []].append(contribution)
        }
        for (name, point) in declared {
            let values = byPoint[name] ?? []
            if point.cardinality == .atMostOne, values.count > 1 {
                let plugins = values.map { "[\($0.plugin)]" }.joined(separator: " and ")
                throw RuntimeError(
                    description: "extension point '\(name)' of [\(point.plugin)] takes one contribution, but \(plugins) both contribute")
            }
            point.fill(values.map(\.value))
        }
    }
}
