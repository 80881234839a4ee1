import Foundation
import Glibc
import Testing
import TillIO

@Suite("Fd exhaustion")
struct ExhaustionTests {
    /// Runs in a child process (an exit test), because it lowers the process's open-files limit.
    ///
    /// RLIMIT_NOFILE bounds descriptor *numbers*, and a new descriptor takes the lowest free number: so the child
    /// first fills every hole below its highest open descriptor, then opens its six client sockets (unconnected, so
    /// no accept can take a slot first), and only then sets the limit to leave two numbers for accepted
    /// connections. Accepting the six must hit EMFILE and back off; once the accepted clients leave, the listener
    /// accepts the others.
    ///
    /// The runtime may open or close descriptors of its own on another thread at any time (Dispatch creates its
    /// timer and event descriptors lazily, later on a loaded machine: CI once saw only one connection accepted,
    /// another run three). So the test starts those first and does not depend on exactly two numbers staying free:
    /// the backlog is first in, first out, so the accepted clients are the first ones; closing them (at least two)
    /// frees enough numbers for the listener to take the rest.
    @Test func acceptBacksOffOnEMFILEAndRecovers() async {
        await #expect(processExitsWith: .success) {
            await DescriptorTable.startRuntimeDescriptors()
            let group = try EventLoopGroup(loopCount: 1)
            let recorder = Recorder()
            let listener = try Listener.bind(
                host: "127.0.0.1",
                port: 0,
                group: group,
                options: ListenerOptions(acceptBackoff: .milliseconds(50))
            ) { _ in EchoHandler(recorder: recorder) }
            let fillers = DescriptorTable.fillHoles()
            let clients = (0..<6).compactMap { _ in RawClient.make() }
            guard clients.count == 6 else { exit(2) }
            var limit = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            limit.rlim_cur = rlim_t(clients.map(\.fd).max()! + 1 + 2)
            guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { exit(3) }

            for client in clients { guard client.connect(port: listener.port) else { exit(4) } }
            // About two of the six fit: the listener meets EMFILE and backs off (bounded wait, no hang).
            var waited = 0
            while group.metrics.snapshot().acceptBackoffs == 0 {
                usleep(1_000)
                waited += 1
                if waited > 30_000 { exit(7) }
            }
            let accepted = group.metrics.snapshot().acceptedTotal
            guard accepted < clients.count else { exit(11) }
            // The backlog is first in, first out: the accepted ones are the first clients, and they leave.
            let leaving = max(accepted, 2)
            for client in clients[..<leaving] { client.close() }
            // After the back-off the listener accepts every waiting connection and serves the ones left.
            for (index, client) in clients.enumerated().dropFirst(leaving) {
                guard client.echo([UInt8(index)]) == [UInt8(index)] else { exit(9) }
            }
            let snapshot = group.metrics.snapshot()
            guard snapshot.acceptedTotal == clients.count, snapshot.acceptBackoffs >= 1 else { exit(10) }
            withExtendedLifetime(fillers) {}
            group.shutdown()
            exit(0)
        }
    }
}

/// The calling process's descriptor numbers.
enum DescriptorTable {
    /// Makes the runtime open the descriptors it opens lazily (Dispatch's timers and event loop, the concurrency
    /// runtime's sleep), so that they are not taken from under a lowered limit.
    static func startRuntimeDescriptors() async {
        let fired = DispatchSemaphore(value: 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(1)) { fired.signal() }
        try? await Task.sleep(for: .milliseconds(1))
        fired.wait()
    }

    /// Opens `/dev/null` into every free number below the highest open descriptor, so that the next descriptor
    /// is numbered one above it; returns the fillers (left open).
    static func fillHoles() -> [Int32] {
        let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
        let highest = open.max() ?? 2
        var fillers: [Int32] = []
        while true {
            let fd = Glibc.open("/dev/null", O_RDONLY)
            guard fd >= 0 else { break }
            if fd > highest { Glibc.close(fd); break }
            fillers.append(fd)
        }
        return fillers
    }
}

/// A blocking IPv4 TCP client whose descriptor exists before it connects, speaking the test's echo framing.
struct RawClient {
    let fd: Int32

    /// A socket whose reads give up after 30 s (a test fails instead of hanging).
    static func make() -> RawClient? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return RawClient(fd: fd)
    }

    func connect(port: Int) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Sends one frame and reads one frame back; nil on any failure.
    func echo(_ payload: [UInt8]) -> [UInt8]? {
        let frame = Frame.encode(payload)
        guard frame.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == frame.count,
              let header = read(4) else { return nil }
        return read(header.reduce(0) { $0 << 8 | Int($1) })
    }

    private func read(_ count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = out.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + filled, count - filled, 0) }
            guard n > 0 else { return nil }
            filled += n
        }
        return out
    }

    func close() { Glibc.close(fd) }
}
