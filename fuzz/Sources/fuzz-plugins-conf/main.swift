import FuzzerDriver
import Runtime

// The plugins.conf loader (TOML, then each table as JSON): the operator's file, but it must
// refuse bad input with an error, never crash.
runFuzzer { input in
    _ = try? PluginsFile.parse(String(decoding: input, as: UTF8.self), path: "plugins.conf")
}
