// The crash test's child: applies wallet credits to a store and reports every acknowledged one on stdout
// ("ack N" after the durable commit, "nak N" for a refusal), until the parent kills it with SIGKILL.
// Usage: till-store-crashchild <database path> <round> <max operations> [loyalty | loyalty-ledger]
// In loyalty mode it posts real purchases through LoyaltyStore (see CrashPurchases) and prints
// "ack N TOTAL POINTS" after the durable commit, "nak N" for a refusal; `loyalty-ledger` decides and journals them on
// the ledger thread (`WriterConfiguration.ledgerThread`).
import Dispatch
import Foundation
import Glibc
import Synchronization
import TillCore
import TillCrashScenario
import TillStore
import TillStoreTesting

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))  // one unbuffered write(2) per line
}

/// Submits once the writer's queue has room: `overloaded` means try again; any other refusal ends the child.
func submitWhenQueued(_ submit: () throws(TillError) -> Void) {
    while true {
        do {
            try submit()
            return
        } catch {
            if case .overloaded = error { sched_yield(); continue }
            FileHandle.standardError.write(Data("submit failed: \(error)\n".utf8))
            exit(1)
        }
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 4 || arguments.count == 5, let round = Int(arguments[2]), let maximum = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: till-store-crashchild <path> <round> <max ops>\n".utf8))
    exit(2)
}
let store: Store
var configuration = StoreConfiguration(path: arguments[1])
if arguments.count == 5 {
    configuration.clock = CrashPurchases.clock
    configuration.writer.ledgerThread = arguments[4] == "loyalty-ledger"
}
do { store = try Store.open(configuration) } catch {
    FileHandle.standardError.write(Data("cannot open: \(error)\n".utf8))
    exit(1)
}

if arguments.count == 5 {
    let loyalty = LoyaltyStore(store: store)
    do { _ = try loyalty.installDemoCatalogIfEmpty() } catch {
        FileHandle.standardError.write(Data("cannot install the demo program: \(error)\n".utf8))
        exit(1)
    }
    let inFlight = DispatchSemaphore(value: 128)
    for n in 0..<maximum {
        inFlight.wait()
        let request = CrashPurchases.request(round: round, n)
        submitWhenQueued { () throws(TillError) in
            try loyalty.purchase(request, terminal: CrashPurchases.terminal, fingerprint: CrashPurchases.fingerprint(request)) { result in
                switch result {
                case .success(let receipt): say("ack \(n) \(receipt.total) \(receipt.members.first?.pointsEarned ?? -1)")
                case .failure: say("nak \(n)")
                }
                inFlight.signal()
            }
        }
    }
    store.shutdown()
    exit(0)
}

var members: [Int64] = []
for index in 0..<8 {
    let done = DispatchSemaphore(value: 0)
    let id = Mutex<Int64>(0)
    try! store.submit(RegisterMember(memberKey: "crash-member-\(index)", registeredAt: 1)) { result in
        id.withLock { $0 = try! result.get() }
        done.signal()
    }
    done.wait()
    members.append(id.withLock { $0 })
}

let inFlight = DispatchSemaphore(value: 128)
for n in 0..<maximum {
    inFlight.wait()
    let (member, delta) = CrashCredits.operation(n)
    let request = WalletCredit(operationKey: "r\(round)-\(n)", memberId: members[member], wallet: .points, delta: delta,
                               kind: delta > 0 ? .earn : .spend, at: 1_700_000_000_000)
    submitWhenQueued { () throws(TillError) in
        try store.submit(request) { result in
            switch result {
            case .success: say("ack \(n)")
            case .failure: say("nak \(n)")
            }
            inFlight.signal()
        }
    }
}
store.shutdown()
