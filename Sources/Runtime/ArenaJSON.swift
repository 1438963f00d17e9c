import Foundation
import SocketIOProtocol

/// The JSON conventions of the wire and the HTTP API: camelCase keys as declared, dates as
/// ISO 8601 with milliseconds (what JavaScript's `Date` prints and parses).
public enum ArenaJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatDate(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an ISO 8601 date")
            }
            return date
        }
        return decoder
    }

    static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    static let withoutFraction = Date.ISO8601FormatStyle()

    /// `2026-11-28T04:30:00.123Z`
    public static func formatDate(_ date: Date) -> String {
        withFraction.format(date)
    }

    public static func parseDate(_ text: String) -> Date? {
        (try? withFraction.parse(text)) ?? (try? withoutFraction.parse(text))
    }

    /// Encodes a value to JSON bytes.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder().encode(value))
    }

    /// Decodes a Socket.IO argument into a typed payload.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        var bytes: [UInt8] = []
        JSONWriter.write(value, into: &bytes)
        return try decoder().decode(type, from: Data(bytes))
    }
}
