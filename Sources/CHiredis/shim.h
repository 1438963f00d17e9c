// hiredis (Debian's libhiredis-dev): its RESP reader and command formatter only. Its own async
// context wants to own the socket and an event loop of its own; MoltArena's connections are
// SwiftNIO channels, so the reader is fed from NIO.
#include <hiredis/hiredis.h>
