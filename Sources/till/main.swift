// till: the operator's command line for tilld. `till --help` lists every command; every level answers --help.
import Foundation
import TillClient
import TillCommandLine
import TillCore
import TillProtocol

/// Server, TLS and key from the options, the environment and the config file (in that order).
func connection(_ parsed: ParsedCommand) throws(CLIError) -> (ServerAddress, String) {
    let path = parsed.value("config") ?? (ProcessInfo.processInfo.environment["HOME"].map { $0 + "/.config/till/cli.json" } ?? "")
    var file: [String: Any] = [:]
    if let data = FileManager.default.contents(atPath: path) {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { throw .config("\(path) is not a JSON object") }
        file = object
    } else if parsed.value("config") != nil {
        throw .config("cannot read \(path)")
    }
    let server = parsed.explicitValue("server") ?? file["server"] as? String ?? "127.0.0.1:7400"
    guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]) else {
        throw .usage("--server must be HOST:PORT")
    }
    let fromEnvironment = ProcessInfo.processInfo.environment["TILL_OPERATOR_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    guard let key = fromEnvironment ?? file["operatorKey"] as? String, !key.isEmpty else {
        throw .config("no operator key: set TILL_OPERATOR_KEY or \"operatorKey\" in \(path)")
    }
    let host = String(server[..<colon]).trimmingCharacters(in: ["[", "]"])
    return (ServerAddress(host: host, port: port, tlsCA: parsed.value("tls-ca") ?? file["tlsCA"] as? String), key)
}

func run(_ arguments: [String]) -> Int32 {
    let parsed = program.parseOrExit(arguments)
    guard let command = commands.first(where: { $0.spec.path == parsed.path }) else { preconditionFailure("\(parsed.path) has no action") }
    let invocation = Invocation(parsed: parsed) { () throws(CLIError) in
        let (address, key) = try connection(parsed)
        do { return try TillClient(address, apiKey: key, client: "till-cli", timeout: command.timeout) } catch let e as ClientError { throw .client(e) } catch { throw .config("\(error)") }
    }
    let json = parsed.has("json")
    do {
        let output = try command.run(invocation)
        print(json ? output.json : output.human)
        return output.exitCode
    } catch {
        fail(error, json: json)
        return error.exitCode
    }
}

/// Writes why the command failed to standard error: `till: …` for people, `{"error": wire code, …}` with --json.
func fail(_ error: CLIError, json: Bool) {
    let line = Diagnostic.text(program: "till", code: error.code, message: error.message, exitCode: error.exitCode, json: json)
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

exit(run(Array(CommandLine.arguments.dropFirst())))
