import Foundation
import Glibc
import Testing
import TillIO

@Suite("Fd exhaustion")
struct ExhaustionTests {
    /// Runs in a child process (an exit test), because it lowers the process's open-files limit.
    // Disabled: the fd-limit arithmetic below counts open fds, but RLIMIT_NOFILE bounds fd numbers; with an
    // inherited fd set that has holes the accepts never hit EMFILE (seen once hanging a parallel run). Filling the
    // holes first made the child trap intermittently. Re-enable once the child controls its whole fd table.
    @Test(.disabled("flaky fd-limit arithmetic in the exit-test child; see comment"))
    func acceptBacksOffOnEMFILEAndRecovers() async {
        await #expect(processExitsWith: .success) {
            let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 64
            let group = try EventLoopGroup(loopCount: 1)
            let recorder = Recorder()
            let listener = try Listener.bind(
                host: "127.0.0.1",
                port: 0,
                group: group,
                options: ListenerOptions(acceptBackoff: .milliseconds(50))
            ) { _ in EchoHandler(recorder: recorder) }
            // group (epoll + eventfd) + listener + slack for the directory listing above: room for 6 more fds.
            var limit = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            limit.rlim_cur = rlim_t(open + 3 + 6)
            guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { exit(2) }
            // 4 client fds, leaving 2 for accepted ones: the third and fourth accepts hit EMFILE.
            let clients = try (0..<4).map { _ in try ClientSocket(host: "127.0.0.1", port: listener.port) }
            guard try clients[0].echo([1]) == [1], try clients[1].echo([2]) == [2] else { exit(3) }
            // Bounded wait: a listener that never backs off fails the test instead of hanging it.
            var waited = 0
            while group.metrics.snapshot().acceptBackoffs == 0 {
                usleep(1_000)
                waited += 1
                if waited > 10_000 { exit(7) }
            }
            clients[0].close()
            clients[1].close()
            guard recorder.waitClosed(2) else { exit(4) }
            // After the back-off the listener accepts the two waiting connections.
            guard try clients[2].echo([3]) == [3], try clients[3].echo([4]) == [4] else { exit(5) }
            let snapshot = group.metrics.snapshot()
            guard snapshot.acceptedTotal == 4, snapshot.acceptBackoffs >= 1 else { exit(6) }
            group.shutdown()
            exit(0)
        }
    }
}
