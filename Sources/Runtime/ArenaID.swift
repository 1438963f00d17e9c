import Foundation

/// Ids of stored things: a short type prefix (`agt`, `btl`, `trn`) and 20 random hex digits, so
/// an id says what it names and never collides in practice.
public enum ArenaID {
    public static func make(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
    }
}
