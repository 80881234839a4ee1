import Foundation
import Testing
import TillClient
import TillCore
import TillProtocol
@testable import TillServer

/// Runs the real `till` binary (next to the test bundle; `swift build` first) against a `TestDaemon`.
struct TillCLI {
    let daemon: TestDaemon
    var key: String

    init(_ daemon: TestDaemon) {
        self.daemon = daemon
        self.key = daemon.keys.operatorKey
    }

    static var binary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("till")
    }

    struct Run {
        var status: Int32
        var out: String
        var err: String
        /// Standard output as a JSON object (commands run with --json).
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(out.utf8))) as? [String: Any]) ?? [:] }
    }

    /// `till <arguments> --server …` with the operator key in TILL_OPERATOR_KEY; standard input from `input`.
    @discardableResult
    func callAsFunction(_ arguments: String..., json: Bool = false, input: String? = nil) throws -> Run {
        try run(arguments, json: json, input: input)
    }

    func run(_ arguments: [String], json: Bool = false, input: String? = nil) throws -> Run {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build till first (swift build)")
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments + ["--server", "127.0.0.1:\(daemon.instance.port)"] + (json ? ["--json"] : [])
        process.environment = ["TILL_OPERATOR_KEY": key, "HOME": daemon.folder.path]
        let out = Pipe(), err = Pipe(), stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, out: String(decoding: output, as: UTF8.self), err: String(decoding: error, as: UTF8.self))
    }
}
