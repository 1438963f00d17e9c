import FuzzerDriver
import SocketIOProtocol

// Engine.IO packets and polling payloads (an HTTP long-polling POST body) from untrusted bytes.
// Whatever decodes must survive a round trip: encoding the packets and decoding that again
// gives the same packets.
runFuzzer { input in
    let bytes = Array(input)
    _ = try? EngineIOPacket.decode(text: bytes)
    guard let packets = try? EngineIOPayload.decode(bytes, maxPackets: 1_000) else { return }
    let again: [EngineIOPacket]
    do {
        again = try EngineIOPayload.decode(EngineIOPayload.encode(packets), maxPackets: 1_000)
    } catch {
        fatalError("a decoded payload does not decode again after encoding: \(error)")
    }
    precondition(again == packets, "a decoded payload changed in a round trip")
}
