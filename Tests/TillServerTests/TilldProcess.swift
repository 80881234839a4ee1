import Foundation
import Dispatch
import Testing

/// The real `tilld` binary (next to the test bundle; `swift build` first) run as a child process on a data folder.
struct TilldProcess {
    static var binary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("tilld")
    }

    static func temporaryFolder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("till-\(name)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
    }

    struct Finished {
        var status: Int32
        var out: String
        var err: String
    }

    /// Runs `PROGRAM ARGUMENTS` to completion with an empty environment (`tilld`'s administrator commands,
    /// `--version`; `till` and `till-sim` are built next to it).
    static func run(_ arguments: [String], program: String = "tilld") throws -> Finished {
        let executable = binary.deletingLastPathComponent().appendingPathComponent(program)
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build \(program) first (swift build)")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = [:]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Standard error is drained on another thread: a child that fills one pipe while we wait on the other
        // would otherwise never finish.
        let error = ErrorDrain(err)
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Finished(status: process.terminationStatus, out: String(decoding: output, as: UTF8.self),
                        err: String(decoding: error.wait(), as: UTF8.self))
    }

    /// Reads a pipe to its end on its own thread.
    final class ErrorDrain: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)
        init(_ pipe: Pipe) {
            let handle = pipe.fileHandleForReading
            Thread.detachNewThread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
        }
        func wait() -> Data {
            done.wait()
            return data
        }
    }

    let process: Process
    let stdout: Pipe
    let stderr: Pipe
    /// What tilld printed on stdout up to the line announcing its address.
    let banner: String
    let port: Int
    let metricsPort: Int?

    /// Starts `tilld --data-directory FOLDER --listen 127.0.0.1:0 ARGUMENTS` and waits for its address line.
    init(folder: URL, _ arguments: [String]) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build tilld first (swift build)")
        process = Process()
        process.executableURL = Self.binary
        process.arguments = ["--data-directory", folder.path, "--listen", "127.0.0.1:0"] + arguments
        process.environment = [:]
        stdout = Pipe()
        stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        var text = ""
        // The metrics line follows the listening line when metrics are on; the demo keys follow both.
        let last = arguments.contains("--demo") ? "listening on" : "demo operator key"
        let wantsMetrics = !(zip(arguments, arguments.dropFirst()).contains { $0.0 == "--metrics-listen" && $0.1.isEmpty })
        while !text.contains(last) || (wantsMetrics && !text.contains("metrics on")) {
            let data = stdout.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        banner = text
        func number(after marker: String) -> Int? {
            text.range(of: marker).flatMap { Int(text[$0.upperBound...].prefix { $0.isNumber }) }
        }
        port = try #require(number(after: "listening on 127.0.0.1:"), "tilld printed: \(text)")
        metricsPort = number(after: "metrics on http://127.0.0.1:")
    }

    /// SIGTERM, then waits; answers the exit status and everything tilld wrote to stderr.
    func stop() -> (status: Int32, log: String) {
        process.terminate()
        let log = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: log, as: UTF8.self))
    }
}

/// The permission bits of a file or folder (`0o600`).
func fileMode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as! NSNumber).intValue & 0o777
}
