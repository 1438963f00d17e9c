import SocketIOServer
import ArgumentParser
print("x")
