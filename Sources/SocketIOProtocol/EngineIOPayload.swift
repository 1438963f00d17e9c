import Foundation

/// The HTTP long-polling body format of Engine.IO 4: packets joined by the record separator
/// `\u{1e}`, binary packets as `b` + base64.
public enum EngineIOPayload {
    public static let recordSeparator: UInt8 = 0x1E

    /// Splits a polling request body into packets. An empty record or an unknown type is an
    /// error: the transport closes the session, as the protocol suites require.
    public static func decode(_ body: some Collection<UInt8>, maxPackets: Int = 10_000) throws(EngineIOProtocolError) -> [EngineIOPacket] {
        var packets: [EngineIOPacket] = []
        for record in body.split(separator: recordSeparator, omittingEmptySubsequences: false) {
            packets.append(try EngineIOPacket.decode(text: record))
            guard packets.count <= maxPackets else { throw .payloadTooLarge(limit: maxPackets) }
        }
        return packets
    }

    /// Joins packets into one polling response body.
    public static func encode(_ packets: some Sequence<EngineIOPacket>) -> [UInt8] {
        var output: [UInt8] = []
        for (i, packet) in packets.enumerated() {
            if i > 0 { output.append(recordSeparator) }
            append(packet, to: &output)
        }
        return output
    }

    /// Appends one packet in polling form.
    public static func append(_ packet: EngineIOPacket, to output: inout [UInt8]) {
        if packet.isBinary {
            output.append(UInt8(ascii: "b"))
            output.append(contentsOf: Data(packet.payload).base64EncodedData())
        } else {
            packet.webSocketText(into: &output)
        }
    }
}
