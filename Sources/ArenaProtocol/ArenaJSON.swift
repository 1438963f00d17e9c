import Foundation
import SocketIOProtocol

/// The JSON conventions of the wire and the HTTP API: camelCase keys as declared, keys sorted,
/// slashes unescaped, dates as ISO 8601 with milliseconds (what JavaScript's `Date` prints and
/// parses).
///
/// Events are encoded by ``CompactJSONEncoder`` and decoded from their parsed ``JSONValue`` by
/// ``JSONValueDecoder``, both with these conventions; Foundation's coders remain for HTTP bodies
/// and as the reference the direct encoder is tested against (``foundationEncode(_:)``).
public enum ArenaJSON {
    static let jsonEncoder = CompactJSONEncoder(dateFormatter: { formatDate($0) })
    static let jsonDecoder = JSONValueDecoder(dateParser: { parseDate($0) })

    /// Foundation's encoder with the same conventions as ``encode(_:)``. A new one per call.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatDate(date))
        }
        return encoder
    }

    /// Foundation's decoder with the same conventions, for bytes (HTTP request bodies).
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

    /// Encodes a value to JSON bytes, as ``foundationEncode(_:)`` would, without Foundation.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        try jsonEncoder.encode(value)
    }

    /// Encodes with Foundation's `JSONEncoder` (a new one each time): the reference output that
    /// ``encode(_:)`` matches byte for byte.
    public static func foundationEncode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder().encode(value))
    }

    /// Decodes a Socket.IO argument into a typed payload, reading the parsed value in place.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try jsonDecoder.decode(type, from: value)
    }
}
