// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "moltarena",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "moltarena", targets: ["moltarena"]),
        .library(name: "SocketIOProtocol", targets: ["SocketIOProtocol"]),
        .library(name: "SocketIOServer", targets: ["SocketIOServer"]),
        .library(name: "SocketIOClient", targets: ["SocketIOClient"]),
        .library(name: "MoltArenaClient", targets: ["MoltArenaClient"]),
        .library(name: "ArenaProtocol", targets: ["ArenaProtocol"]),
        .library(name: "Runtime", targets: ["Runtime"]),
        .library(name: "RuntimeTesting", targets: ["RuntimeTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Engine.IO 4 and Socket.IO 5 codecs and JSON values: pure functions over bytes.
        .target(
            name: "SocketIOProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // Transports, sessions, namespaces, rooms and the adapter, hosted on Hummingbird + NIO.
        .target(
            name: "SocketIOServer",
            dependencies: [
                "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            ],
            swiftSettings: swiftSettings
        ),
        // TLS for the server's one port (https and wss): swift-nio-ssl behind SocketIOServer's
        // TransportSecurity, so that only the binary and the tests that use TLS link BoringSSL's NIO
        // handler.
        .target(
            name: "ServerTLS",
            dependencies: [
                "SocketIOServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The client side of the same protocol (WebSocket transport), for CLI clients, bench and tests.
        .target(
            name: "SocketIOClient",
            dependencies: [
                "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Debian's libhiredis-dev: the RESP reader and command formatter. Its headers are in the
        // default include path (<hiredis/hiredis.h>); hiredis.pc's cflags add a -D flag SwiftPM
        // refuses with a warning on every build, so the module map links it directly.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        // MessagePack values, reader and writer: the Socket.IO Redis adapter's encoding.
        .target(name: "MessagePack", swiftSettings: swiftSettings),
        // Rooms across instances over Redis pub/sub, wire-compatible with the Node adapter, and
        // rate limits shared by the instances. The only code that knows Redis.
        .target(
            name: "RedisAdapter",
            dependencies: [
                "CHiredis", "MessagePack", "SocketIOProtocol", "SocketIOServer", "Runtime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The plugin runtime: plugins, typed events, bus, plugins.conf, storage, dispatch, lifecycle.
        // The wire's types, declared once: every event with its payload, the error codes, the
        // identities and the JSON conventions. The server and the client library both use them.
        .target(
            name: "ArenaProtocol",
            dependencies: [
                "SocketIOProtocol",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // The client library: the Socket.IO client with the protocol's own types.
        .target(
            name: "MoltArenaClient",
            dependencies: [
                "ArenaProtocol", "SocketIOClient", "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The arena's SQL layer: values, rows, transactions and migrations the stores are written
        // against, and its SQLite backend (GRDB). PostgreSQL is another backend of the same protocol.
        .target(
            name: "ArenaStorage",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // The SQL layer's PostgreSQL backend, for instances on several hosts sharing one database:
        // postgres-nio connections in a small pool of its own, waited on synchronously from the
        // caller's thread, never from an event loop.
        .target(
            name: "PostgresStorage",
            dependencies: [
                "ArenaStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Runtime",
            dependencies: [
                "ArenaProtocol", "SocketIOServer", "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                "ArenaStorage",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // In-process harness: the runtime built as `main` builds it, on an in-memory database, a
        // test event loop whose clock the test advances, and in-process Socket.IO clients.
        .target(
            name: "RuntimeTesting",
            dependencies: [
                "Runtime", "SocketIOServer", "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                "PostgresStorage", .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Phase 1D: who is connecting (API keys, agents, handshake identity, ping).
        .target(
            name: "ConnectionPlugin",
            dependencies: [
                "Runtime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/Plugins/Connection",
            swiftSettings: swiftSettings
        ),
        // The spectator web app (issue 14): plain HTML, CSS and JavaScript modules shipped as
        // resources, served with ETags and a strict Content-Security-Policy. No build step.
        .target(
            name: "WebApp",
            dependencies: [
                "Runtime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            resources: [.copy("Public")],
            swiftSettings: swiftSettings
        ),
        // Phase 1D: battle rooms, permissions, presence, the battle log, snapshots.
        .target(
            name: "BattlePlugin",
            dependencies: [
                "Runtime", "ConnectionPlugin", "SocketIOProtocol", "WebApp",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/Plugins/Battle",
            swiftSettings: swiftSettings
        ),
        // Phase 1E: the battle state machine, turn submission, judge, commentary and speech.
        .target(
            name: "TurnsPlugin",
            dependencies: [
                "Runtime", "BattlePlugin", "ConnectionPlugin", "SocketIOProtocol",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Plugins/Turns",
            swiftSettings: swiftSettings
        ),
        // Phase 1F: votes, live counts, results.
        .target(
            name: "VotingPlugin",
            dependencies: [
                "Runtime", "BattlePlugin", "ConnectionPlugin", "SocketIOProtocol",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Plugins/Voting",
            swiftSettings: swiftSettings
        ),
        // The Model Context Protocol for LLM agents at /mcp, with the MCP Swift SDK.
        .target(
            name: "MCPPlugin",
            dependencies: [
                "Runtime", "BattlePlugin", "ConnectionPlugin", "TurnsPlugin", "VotingPlugin", "SocketIOProtocol",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/Plugins/MCP",
            swiftSettings: swiftSettings
        ),
        // The benchmark scenario of `moltarena bench` (join a room, relay a turn to it); the
        // smallest example of a third-party plugin. Not in the shipped plugins.conf.
        .target(
            name: "BenchPlugin",
            dependencies: ["Runtime", "SocketIOProtocol"],
            path: "Sources/Plugins/Bench",
            swiftSettings: swiftSettings
        ),
        // The load generator of `moltarena bench`: raw NIO connections speaking Engine.IO and
        // Socket.IO with pre-encoded frames, latency in HdrHistogram; a few HTTP/1 requests for
        // the battle scenario's setup and checks. Names no plugin.
        .target(
            name: "BenchKit",
            dependencies: [
                "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "moltarena",
            dependencies: [
                "PostgresStorage",
                "ArenaProtocol",
                "SocketIOServer",
                "SocketIOProtocol",
                "Runtime",
                "ConnectionPlugin",
                "BattlePlugin",
                "TurnsPlugin",
                "VotingPlugin",
                "MCPPlugin",
                "BenchPlugin",
                "BenchKit",
                "SocketIOClient",
                "MoltArenaClient",
                "RedisAdapter",
                "ServerTLS",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RedisAdapterTests",
            dependencies: [
                "RedisAdapter", "MessagePack", "SocketIOProtocol", "SocketIOServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // One contract of SQLDatabase run against both backends: SQLite on a file and PostgreSQL at
        // MOLTARENA_TEST_POSTGRES_URL (scripts/postgres.sh starts a throwaway cluster).
        .testTarget(
            name: "ArenaStorageTests",
            dependencies: [
                "ArenaStorage", "PostgresStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SocketIOProtocolTests",
            dependencies: ["SocketIOProtocol"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SocketIOClientTests",
            dependencies: [
                "SocketIOClient", "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RuntimeTests",
            dependencies: [
                "Runtime", "RuntimeTesting", "SocketIOProtocol", "SocketIOServer", "ServerTLS",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ConnectionPluginTests",
            dependencies: [
                "ConnectionPlugin", "Runtime", "RuntimeTesting", "SocketIOProtocol",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BattlePluginTests",
            dependencies: [
                "BattlePlugin", "ConnectionPlugin", "Runtime", "RuntimeTesting", "SocketIOProtocol",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurnsPluginTests",
            dependencies: [
                "TurnsPlugin", "BattlePlugin", "ConnectionPlugin", "Runtime", "RuntimeTesting", "SocketIOProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VotingPluginTests",
            dependencies: [
                "VotingPlugin", "TurnsPlugin", "BattlePlugin", "ConnectionPlugin", "Runtime", "RuntimeTesting", "SocketIOProtocol",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MCPPluginTests",
            dependencies: [
                "MCPPlugin", "VotingPlugin", "TurnsPlugin", "BattlePlugin", "ConnectionPlugin", "Runtime", "RuntimeTesting", "SocketIOProtocol",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MoltArenaClientTests",
            dependencies: [
                "MoltArenaClient", "ArenaProtocol", "SocketIOProtocol", "Runtime", "ConnectionPlugin", "BattlePlugin", "TurnsPlugin", "VotingPlugin",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The binary's own parts: the protocol document `moltarena schema` prints.
        .testTarget(
            name: "MoltArenaTests",
            dependencies: [
                "moltarena", "ArenaProtocol", "Runtime", "RuntimeTesting", "SocketIOProtocol",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BenchPluginTests",
            dependencies: ["BenchPlugin", "ConnectionPlugin", "Runtime", "RuntimeTesting", "SocketIOProtocol"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BenchKitTests",
            dependencies: [
                "BenchKit", "ArenaProtocol", "BattlePlugin", "TurnsPlugin", "VotingPlugin", "Runtime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SocketIOServerTests",
            dependencies: [
                "SocketIOServer", "SocketIOClient", "SocketIOProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
