/// How a plugin runs, chosen in plugins.conf (`mode = "placeholder"`). Open-ended like
/// ``ErrorCode``; every plugin supports `full`, some also `placeholder`.
public struct PluginMode: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let full: PluginMode = "full"
    /// Validates payloads and rate limits, then answers without the real rules, so clients can
    /// be built before a phase is finished.
    public static let placeholder: PluginMode = "placeholder"
}

/// Options a plugin reads from its plugins.conf table. `optionKeys` lists the keys it accepts
/// (usually `CodingKeys.allCases`), so a misspelt option stops start-up instead of being ignored.
public protocol PluginOptions: Decodable, Sendable {
    static var optionKeys: [String] { get }
}

extension KeyedDecodingContainer {
    /// Overwrites `option` (which holds its default) when plugins.conf sets the key, so an
    /// options type states each default once, where the property is declared:
    ///
    /// ```swift
    /// public init(from decoder: any Decoder) throws {
    ///     let c = try decoder.container(keyedBy: CodingKeys.self)
    ///     try c.decodeOption(&windowSeconds, .windowSeconds)
    /// }
    /// ```
    public func decodeOption<T: Decodable>(_ option: inout T, _ key: Key) throws {
        if let value = try decodeIfPresent(T.self, forKey: key) { option = value }
    }
}

/// For plugins without options.
public struct NoOptions: PluginOptions {
    public static let optionKeys: [String] = []
    public init() {}
}

/// A unit of behaviour the runtime can switch on: it names itself and what it needs, and
/// registers handlers, routes, migrations and services, once, before the server runs.
///
/// ```swift
/// struct PingPlugin: Plugin {
///     static let name = "ping"
///     init(options: NoOptions, mode: PluginMode) {}
///     func register(with registrar: inout Registrar) {
///         registrar.on(Ping.self) { _, context in Pong(serverTime: context.services.clock.now()) }
///     }
/// }
/// ```
public protocol Plugin: Sendable {
    associatedtype Options: PluginOptions = NoOptions
    /// The plugins.conf table name.
    static var name: String { get }
    /// Plugins that must be enabled for this one to start.
    static var requires: [String] { get }
    /// Modes this plugin accepts in plugins.conf.
    static var modes: [PluginMode] { get }

    /// Builds the plugin from its options. No I/O and no tasks here.
    init(options: Options, mode: PluginMode) throws
    /// Registers everything the plugin contributes. Called once, before the server starts; an
    /// error (a service it needs that no enabled plugin provides) stops start-up.
    func register(with registrar: inout Registrar) throws
}

extension Plugin {
    public static var requires: [String] { [] }
    public static var modes: [PluginMode] { [.full] }
}
