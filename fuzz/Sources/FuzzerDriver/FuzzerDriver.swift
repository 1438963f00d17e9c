import CFuzzerDriver

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The test of one fuzz target; set once, before libFuzzer starts calling it.
nonisolated(unsafe) private var currentTest: (UnsafeRawBufferPointer) -> Void = { _ in }

/// libFuzzer's per-input callback. libFuzzer's own `main` references this symbol, so it must
/// exist even though ``runFuzzer(_:)`` passes the callback explicitly.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    currentTest(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// Runs libFuzzer with this process's command line (its usual flags and corpus folders) on
/// `test`, and exits with libFuzzer's status. A test reports a bug by crashing (a failed
/// `precondition`, say); libFuzzer then saves the input as `crash-<sha1>`.
public func runFuzzer(_ test: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
    currentTest = test
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzerTestOneInput(data, size) })
}
