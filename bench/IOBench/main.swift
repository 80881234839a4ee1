// till-bench-io: memory per idle TLS connection.
//
//   swift run -c release till-bench-io [--connections 10000] [--plain] [--in-process] [--loops 1]
//
// Starts a TLS server on 127.0.0.1 (ephemeral port) on its own loops, opens N client connections on other loops,
// waits until every handshake is done and the connections are idle, and reports the RSS delta per connection.
// Each side of a connection needs one fd, so 10,000 connections need ~20,000 fds in one process; when the open-files
// limit cannot be raised that far (hard limit), the clients run in a child process (this same binary with
// `--client-only`) and the figure is the server's alone — the daemon's cost per idle terminal.
import Dispatch
import Foundation
import Synchronization
import TillIO

struct Options {
    var connections = 10_000
    var tls = true
    var inProcess = false
    var loops = 1
    var clientOnly = false
    var port = 0
    var caFile = ""

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--connections": connections = Int(iterator.next() ?? "") ?? connections
            case "--plain": tls = false
            case "--in-process": inProcess = true
            case "--loops": loops = Int(iterator.next() ?? "") ?? loops
            case "--client-only": clientOnly = true
            case "--port": port = Int(iterator.next() ?? "") ?? 0
            case "--ca": caFile = iterator.next() ?? ""
            default: fatalError("unknown argument \(argument)")
            }
        }
    }
}

/// Server side: echoes raw bytes, keeps no per-connection state.
final class IdleEcho: ConnectionHandler {
    func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) { connection.write(bytes) }
    func closed(_ connection: Connection, reason: CloseReason) {}
}

/// Client side: reports the handshake, then idles.
final class IdleClient: ConnectionHandler {
    let ready: DispatchSemaphore
    init(ready: DispatchSemaphore) { self.ready = ready }
    func connected(_ connection: Connection) { ready.signal() }
    func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) {}
    func closed(_ connection: Connection, reason: CloseReason) {
        if reason != .loopShutdown { BenchState.failures.add(1, ordering: .relaxed) }
        ready.signal()
    }
}

enum BenchState {
    static let failures = Atomic<Int>(0)
}

func megabytes(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

/// Opens `count` connections with at most 200 handshakes in flight; returns the client group.
func openClients(count: Int, port: Int, tls: TLSContext?, loops: Int) throws -> EventLoopGroup {
    let group = try EventLoopGroup(loopCount: loops)
    let inFlight = DispatchSemaphore(value: 200)
    let address = SocketAddress.loopback(port: port)
    for _ in 0..<count {
        inFlight.wait()
        try group.next().connect(to: address, tls: tls, serverName: "127.0.0.1") { _ in
            IdleClient(ready: inFlight)
        }
    }
    for _ in 0..<200 { inFlight.wait() }
    return group
}

func waitUntil(_ condition: () -> Bool) {
    while !condition() { usleep(10_000) }
}

let options = Options(CommandLine.arguments)
let limit = ProcessResources.raiseOpenFilesLimit(to: 30_000)

if options.clientOnly {
    let tls = options.tls ? try TLSContext.client(trustRootsFile: options.caFile) : nil
    let group = try openClients(count: options.connections, port: options.port, tls: tls, loops: options.loops)
    let line =
        "READY failures=\(BenchState.failures.load(ordering: .relaxed)) rss=\(ProcessResources.residentBytes() ?? 0)\n"
    FileHandle.standardOutput.write(Data(line.utf8))
    _ = readLine()  // parent closes stdin when done
    group.shutdown()
    exit(0)
}

let n = options.connections
let inProcess = options.inProcess || 2 * n + 256 <= limit
let certs = try TestCertificates.generate()
let serverTLS =
    options.tls
    ? try TLSContext.server(certificateFile: certs.server.certificate, privateKeyFile: certs.server.privateKey) : nil
let clientTLS = options.tls ? try TLSContext.client(trustRootsFile: certs.caCertificate) : nil
let serverGroup = try EventLoopGroup(loopCount: options.loops)
let listener = try Listener.bind(host: "127.0.0.1", port: 0, group: serverGroup, tls: serverTLS) { _ in IdleEcho() }

// Warm up (OpenSSL tables, allocator arenas, loop buffers), then take the baseline with nothing open.
if inProcess {
    let warm = try openClients(count: 200, port: listener.port, tls: clientTLS, loops: options.loops)
    warm.shutdown()
    waitUntil { serverGroup.metrics.snapshot().openConnections == 0 }
}
let baseline = ProcessResources.residentBytes() ?? 0
let start = Date()
var child: Process?
var childInput: Pipe?
var clientGroup: EventLoopGroup?
var clientRSS = 0
if inProcess {
    clientGroup = try openClients(count: n, port: listener.port, tls: clientTLS, loops: options.loops)
} else {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments =
        [
            "--client-only", "--connections", "\(n)", "--port", "\(listener.port)", "--ca", certs.caCertificate,
            "--loops", "\(options.loops)",
        ] + (options.tls ? [] : ["--plain"])
    let output = Pipe()
    let input = Pipe()
    process.standardOutput = output
    process.standardInput = input
    try process.run()
    let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
    guard line.hasPrefix("READY") else { fatalError("client process: \(line)") }
    clientRSS = Int(line.split(separator: "=").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    child = process
    childInput = input
}
let expected = (inProcess ? 200 : 0) + n
waitUntil {
    let snapshot = serverGroup.metrics.snapshot()
    return snapshot.acceptedTotal >= expected && snapshot.openConnections == n
        && (!options.tls || snapshot.tlsHandshakesOK + snapshot.tlsHandshakesFailed >= expected)
}
let elapsed = Date().timeIntervalSince(start)
usleep(1_000_000)  // let the connections go idle
let rss = ProcessResources.residentBytes() ?? 0
let snapshot = serverGroup.metrics.snapshot()
let delta = rss - baseline
let perConnection = delta / n
let kind = options.tls ? "TLS" : "plain TCP"
let mode = inProcess ? "in-process (server + client ends in one process)" : "server process (clients in a child)"
print("connections:      \(n) idle \(kind), \(options.loops) loop(s) per side, \(mode)")
print(
    "open on server:   \(snapshot.openConnections), handshakes ok \(snapshot.tlsHandshakesOK) failed \(snapshot.tlsHandshakesFailed), client failures \(BenchState.failures.load(ordering: .relaxed))"
)
print("setup time:       \(String(format: "%.2f", elapsed)) s (\(Int(Double(n) / elapsed)) connections/s)")
print("RSS baseline:     \(megabytes(baseline))")
print("RSS with idle:    \(megabytes(rss))")
print(
    "delta:            \(megabytes(delta)) = \(perConnection / 1024) KiB (\(perConnection) B) per connection"
        + (inProcess ? " (both ends)" : " (server end)")
)
if !inProcess { print("client process:   RSS \(megabytes(clientRSS)) for \(n) client ends") }
if let clientGroup { clientGroup.shutdown() }
if let childInput, let child {
    try childInput.fileHandleForWriting.close()
    child.waitUntilExit()
}
serverGroup.shutdown()
