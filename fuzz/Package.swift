// swift-tools-version:6.2
import PackageDescription

// libFuzzer targets for MoltArena's parsers of untrusted input. Built apart from the main package
// so that `swift build` and `swift test` there never see them:
//
//   swift build --package-path fuzz -Xswiftc -sanitize=fuzzer,address
//
// (scripts/fuzz.sh does this and runs each target for a bounded time on fuzz/corpus/<name>/).
//
// Each target is an ordinary executable whose top-level code hands libFuzzer the input callback
// through `LLVMFuzzerRunDriver` (FuzzerDriver). The textbook Swift recipe, a library-mode file
// with `@_cdecl("LLVMFuzzerTestOneInput")` and libFuzzer's own `main`, does not link as a SwiftPM
// executable target: SwiftPM renames every executable's entry point to `<module>_main` and links
// with `--defsym main=<module>_main`, so with `-parse-as-library` there is no such symbol, and
// without it the program's own (empty) `main` runs instead of libFuzzer's.

// Each fuzz target and the product of the main package whose code it exercises.
let fuzzTargets: [(name: String, product: String)] = [
    ("fuzz-engineio", "SocketIOProtocol"),
    ("fuzz-socketio", "SocketIOProtocol"),
    ("fuzz-json", "SocketIOProtocol"),
    ("fuzz-websocket", "SocketIOServer"),
    ("fuzz-plugins-conf", "Runtime"),
]

let package = Package(
    name: "moltarena-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "moltarena", path: "..")
    ],
    targets: [
        // Declares libFuzzer's `LLVMFuzzerRunDriver` (the runtime comes with -sanitize=fuzzer).
        .target(name: "CFuzzerDriver"),
        .target(name: "FuzzerDriver", dependencies: ["CFuzzerDriver"]),
    ]
        + fuzzTargets.map { target in
            .executableTarget(
                name: target.name,
                dependencies: ["FuzzerDriver", .product(name: target.product, package: "moltarena")]
            )
        }
)
