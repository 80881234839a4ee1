import TillClient
import TillCore
import TillProtocol

/// Why a verification step could not even ask the server.
public enum VerificationError: Error, CustomStringConvertible {
    case client(ClientError)
    case unexpectedAnswer(String)

    public var description: String {
        switch self {
        case .client(let error): "verification: \(error)"
        case .unexpectedAnswer(let what): "verification: unexpected answer: \(what)"
        }
    }
}

/// Reads back from the server what the model expects: balances of the working set before and after a run, and
/// every acknowledged transaction through `status` on the terminal that posted it.
///
/// Guarantees: read-only (identify and status only); requests are pipelined `window` at a time over blocking
/// clients; balances are compared as spendable + pending points and credit.
public struct Verifier {
    public let address: ServerAddress
    public let window: Int

    public init(address: ServerAddress, window: Int = 64) {
        self.address = address
        self.window = window
    }

    /// The balances of members `indices`, by member key, identified by member key 5 at a time.
    public func balances(of indices: [Int], population: Population, apiKey: String) throws(VerificationError) -> [String: WalletBalance] {
        let client = try connect(apiKey)
        defer { client.close() }
        let batches = stride(from: 0, to: indices.count, by: 5).map { Array(indices[$0..<min($0 + 5, indices.count)]) }
        var out: [String: WalletBalance] = [:]
        try pipelined(client, requests: batches.map { batch in
            .identify(IdentifyRequest(identifiers: batch.map { population.identifier($0, kind: .memberKey) }))
        }) { (_, outcome) throws(VerificationError) in
            guard case .success(.identify(let result)) = outcome else { throw .unexpectedAnswer("identify: \(outcome)") }
            for member in result.members { out[member.memberKey] = member.balance }
        }
        return out
    }

    /// Checks every acknowledged purchase of the terminal with `key`: known to the server, stored receipt equal to
    /// the first acknowledged one, marked as a replay. Returns the differences.
    public func checkTransactions(_ acknowledged: [ExpectedWallets.Acknowledged], key: TerminalKey) throws(VerificationError) -> [String] {
        guard !acknowledged.isEmpty else { return [] }
        let client = try connect(key.apiKey)
        defer { client.close() }
        var problems: [String] = []
        try pipelined(client, requests: acknowledged.map { .status(StatusRequest(transactionId: $0.transactionId)) }) { (i, outcome) throws(VerificationError) in
            let ack = acknowledged[i]
            let name = "\(key.branchId)/\(key.posId)/\(ack.transactionId)"
            switch outcome {
            case .success(.status(let status)):
                guard let receipt = status.receipt, status.state != .unknown else {
                    problems.append("\(name): acknowledged but the server does not know it (\(status.state.rawValue))")
                    return
                }
                if !receipt.replay { problems.append("\(name): status receipt not marked replay") }
                if ExpectedWallets.digest(receipt) != ack.digest { problems.append("\(name): stored receipt differs from the acknowledged one") }
            case .failure(let error):
                problems.append("\(name): status answered \(error.code)")
            default:
                throw .unexpectedAnswer("status: \(outcome)")
            }
        }
        return problems
    }

    func connect(_ apiKey: String) throws(VerificationError) -> TillClient {
        do { return try TillClient(address, apiKey: apiKey, client: "till-sim-verify") } catch { throw .client(error) }
    }

    /// Sends `requests` keeping up to `window` in flight; `handle` gets each answer with its request's index.
    func pipelined(
        _ client: TillClient, requests: [Request],
        handle: (Int, Result<Response, TillError>) throws(VerificationError) -> Void
    ) throws(VerificationError) {
        var failure: VerificationError?
        do throws(ClientError) {
            try client.pipeline(requests, window: window, timeout: .seconds(30)) { index, outcome in
                do throws(VerificationError) { try handle(index, outcome); return true } catch { failure = error; return false }
            }
        } catch {
            throw .client(error)
        }
        if let failure { throw failure }
    }
}
