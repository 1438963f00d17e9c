import FuzzerDriver
import SocketIOProtocol

// The Socket.IO packet decoder of one session, fed a sequence of Engine.IO messages. The input
// is split at 0x1E; a piece starting with 0x00 is a binary message (the rest of the piece), any
// other a text message. After an error the session would be closed, so a new decoder starts.
runFuzzer { input in
    var decoder = SocketIOPacketDecoder(maxAttachments: 8)
    for piece in input.split(separator: 0x1E, omittingEmptySubsequences: false) {
        do {
            if piece.first == 0x00 {
                _ = try decoder.decode(binary: Array(piece.dropFirst()))
            } else if let packet = try decoder.decode(text: piece) {
                _ = packet.eventNameAndArguments
            }
        } catch {
            decoder = SocketIOPacketDecoder(maxAttachments: 8)
        }
    }
}
