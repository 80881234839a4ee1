import Foundation
import Glibc
import Synchronization
import TillIO
import TillProtocol
import TillCommandLine
import TillServer

// tilld: the Till daemon. Configuration from flags, environment and an optional JSON file (`tilld --help`).

/// Writes a line to stdout at once (unbuffered: tests and supervisors read these lines while tilld runs).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("tilld: \(message)\n".utf8))
    exit(code)
}

/// The administrator's commands, run against a stopped daemon's data directory (the settings as for the daemon).
enum AdminCommand {
    case createOperator(name: String)
    case restore(file: String)
}

// One table (ServerConfiguration.program) gives the commands, every setting's flag, --help and completion.
let parsed = ServerConfiguration.program.parseOrExit()
var adminCommand: AdminCommand?
switch parsed.path {
case ["keys", "create-operator"]: adminCommand = .createOperator(name: parsed.value("NAME") ?? "")
case ["restore"]: adminCommand = .restore(file: parsed.value("FILE") ?? "")
default: break
}

let configuration: ServerConfiguration
do {
    configuration = try ServerConfiguration.load(parsed, environment: ProcessInfo.processInfo.environment)
} catch {
    fail("\(error) (see tilld --help)", code: 2)
}

switch adminCommand {
case .createOperator(let name):
    do {
        let created = try OperatorBootstrap.createOperator(name: name, configuration: configuration, log: Log(level: configuration.logLevel))
        // The key alone on stdout (for KEY=$(tilld keys create-operator …)); the explanation on stderr.
        FileHandle.standardError.write(Data("tilld: operator \(created.keyId) (\(created.name)) created; its key is shown this once:\n".utf8))
        say(created.apiKey)
        exit(0)
    } catch {
        fail("\(error)", code: 1)
    }
case .restore(let file):
    do {
        let restored = try StoreRestore.restore(from: file, configuration: configuration, log: Log(level: configuration.logLevel))
        say("tilld: restored \(restored.path) from \(file) (schema version \(restored.schemaVersion), integrity ok)")
        if let previous = restored.previous { say("tilld: the replaced store was kept as \(previous)") }
        exit(0)
    } catch {
        fail("\(error)", code: 1)
    }
case nil: break
}

ProcessResources.ignoreSIGPIPE()
_ = ProcessResources.raiseOpenFilesLimit(to: configuration.maxConnections + 1_024)
do {
    // Block the signals before any thread starts so that only the signalfd sees them.
    try SignalSource.block([SIGTERM, SIGINT, SIGHUP])
} catch {
    fail("cannot block signals: \(error)", code: 1)
}

let log = Log(level: configuration.logLevel)
let instance: TillInstance
do {
    instance = try TillInstance.start(configuration: configuration, log: log)
} catch {
    fail("\(error)", code: 1)
}

let scheme = configuration.tlsCertificate == nil ? "plain TCP" : (configuration.tlsClientCA == nil ? "TLS" : "mutual TLS")
let host = HostPort.split(configuration.listen)?.host ?? "127.0.0.1"
say("tilld: store \(configuration.dataDirectory)/till.sqlite")
say("tilld: listening on \(host):\(instance.port) (\(scheme))")
if let metricsPort = instance.metricsPort {
    say("tilld: metrics on http://\(HostPort.split(configuration.metricsListen)?.host ?? "127.0.0.1"):\(metricsPort)/metrics")
}
if let keys = instance.demoKeys {
    say("tilld: demo terminal key (branch \(keys.branchId), POS \(keys.posId)): \(keys.terminalKey)")
    say("tilld: demo operator key (\(keys.operatorName)): \(keys.operatorKey)")
    say("tilld: try: TILL_OPERATOR_KEY=\(keys.operatorKey) swift run till member search anna --server \(host):\(instance.port)")
}
log.info("started", ["listen": "\(host):\(instance.port)", "transport": scheme])

let stopping = Atomic<Bool>(false)
let finished = DispatchSemaphore(value: 0)
let signals: SignalSource
do {
    signals = try SignalSource(signals: [SIGTERM, SIGINT, SIGHUP], loop: instance.daemon.loops.next()) { signal in
        if signal == SIGHUP {
            do { try instance.daemon.reloadCertificates() } catch { log.error("certificate reload failed", ["error": "\(error)"]) }
            return
        }
        if stopping.exchange(true, ordering: .acquiringAndReleasing) {
            // A second signal: leave now; nothing uncommitted was acknowledged.
            log.warning("second signal, exiting at once")
            _exit(1)
        }
        log.info("stopping", ["signal": signal == SIGTERM ? "SIGTERM" : "SIGINT"])
        Thread.detachNewThread {
            instance.stop()
            log.info("stopped")
            finished.signal()
        }
    }
} catch {
    fail("cannot watch signals: \(error)", code: 1)
}
finished.wait()
exit(0)
