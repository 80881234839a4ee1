import Foundation
import Glibc
import TillClient

/// Why the daemon child could not be run.
public enum DaemonProcessError: Error, CustomStringConvertible {
    case launch(String)
    case notListening(seconds: Int, log: String)

    public var description: String {
        switch self {
        case .launch(let reason): "cannot start tilld: \(reason)"
        case .notListening(let seconds, let log): "tilld did not accept connections within \(seconds) s (log: \(log))"
        }
    }
}

/// `tilld` as a child of the simulator, for chaos runs and benchmarks: started with fixed arguments (a fixed
/// listen port, so restarts come back on the same address), SIGKILLed at will, restarted on the same data directory.
///
/// Guarantees: `start` returns only once the daemon accepts connections (a connect probe succeeds); stdout and
/// stderr are appended to `logPath`; `kill` waits for the process to be gone.
public final class DaemonProcess: @unchecked Sendable {
    public let executable: String
    public let arguments: [String]
    public let logPath: String
    public let probe: ServerAddress
    private var process: Process?
    public private(set) var starts = 0

    public init(executable: String, arguments: [String], logPath: String, probe: ServerAddress) {
        self.executable = executable
        self.arguments = arguments
        self.logPath = logPath
        self.probe = probe
    }

    public var pid: Int32? { process.map { $0.processIdentifier } }
    public var isRunning: Bool { process?.isRunning ?? false }

    public func start(timeout: Int = 30) throws(DaemonProcessError) {
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw .launch("cannot open \(logPath)") }
        log.seekToEndOfFile()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = arguments
        child.standardOutput = log
        child.standardError = log
        do { try child.run() } catch { throw .launch("\(error)") }
        try? log.close()
        process = child
        starts += 1
        let deadline = Date().addingTimeInterval(Double(timeout))
        while Date() < deadline {
            guard child.isRunning else { throw .launch("tilld exited with status \(child.terminationStatus) (log: \(logPath))") }
            if let client = try? TillClient(probe, timeout: .milliseconds(500)) {
                client.close()
                return
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw .notListening(seconds: timeout, log: logPath)
    }

    /// SIGKILL, then wait for the process to be reaped.
    public func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM (graceful drain), then wait.
    public func terminate() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}

/// When a chaos run kills the daemon: `kills` moments drawn from the seed between 15% and 85% of the run, at
/// least 5% of the run apart.
///
/// Guarantees: deterministic for a seed; sorted; `due(elapsed:)` hands each moment out once.
public struct KillSchedule: Sendable {
    public let moments: [Duration]
    private var next = 0

    public init(kills: Int, over duration: Duration, seed: UInt64) {
        var random = SeededRandom(seed: seed ^ 0xC4A0_5C4A_05)
        let total = Int64(duration.seconds * 1000)
        var chosen: [Int64] = []
        var attempts = 0
        while chosen.count < kills && attempts < 10_000 {
            attempts += 1
            let at = total * 15 / 100 + Int64(random.int(0...Int(max(1, total * 70 / 100))))
            if chosen.allSatisfy({ abs($0 - at) >= total / 20 }) { chosen.append(at) }
        }
        moments = chosen.sorted().map { .milliseconds($0) }
    }

    /// True once for each moment that has passed.
    public mutating func due(elapsed: Duration) -> Bool {
        guard next < moments.count, moments[next] <= elapsed else { return false }
        next += 1
        return true
    }
}
