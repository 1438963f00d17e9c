import FuzzerDriver
import NIOCore
@_spi(Fuzzing) import SocketIOServer

// The WebSocket frame reader, on the bytes a client sends after the upgrade. The first input
// byte chooses how the rest is cut into reads (as the socket may deliver it in any pieces); the
// messages and the error must be the same as when it all arrives at once.
runFuzzer { input in
    guard let step = input.first else { return }
    let stream = input.dropFirst()
    let whole = read([stream[...]])
    let size = Int(step % 32) + 1
    var chunks: [Slice<UnsafeRawBufferPointer>] = []
    var start = stream.startIndex
    while start < stream.endIndex {
        let end = min(start + size, stream.endIndex)
        chunks.append(stream[start..<end])
        start = end
    }
    let pieces = read(chunks)
    precondition(whole.messages == pieces.messages, "messages differ when the bytes arrive in pieces")
    precondition(whole.error == pieces.error, "the error differs when the bytes arrive in pieces")
}

func read(_ chunks: [Slice<UnsafeRawBufferPointer>]) -> (messages: [WebSocketFrameReader.Message], error: WebSocketFrameReader.ReadError?) {
    var reader = WebSocketFrameReader(maxMessageSize: 4096)
    var messages: [WebSocketFrameReader.Message] = []
    for chunk in chunks {
        do {
            try reader.read(ByteBuffer(bytes: chunk)) { messages.append($0) }
        } catch {
            return (messages, error)
        }
    }
    return (messages, nil)
}
