import Foundation
import TillCore
import TillIO
import TillStore

/// `tilld keys create-operator NAME`: the first operator key of a production store (`--demo false` creates none),
/// made by the administrator on the daemon's host against its data directory while the daemon is stopped.
///
/// Guarantees: refused while a daemon holds the store's writer lock (the store has exactly one writer); only the
/// key's SHA-256 digest is stored; the secret is returned once, to be shown once; the store's files and folder are
/// created owner-only as by the daemon.
public enum OperatorBootstrap {
    public struct Created: Sendable {
        public var keyId: String
        public var name: String
        public var apiKey: String
    }

    public static func createOperator(name: String, configuration: ServerConfiguration, log: Log) throws(DaemonError) -> Created {
        guard !name.isEmpty, name.utf8.count <= 128, !name.contains(where: { $0.isNewline }) else {
            throw .configuration("the operator name must be 1 to 128 bytes on one line")
        }
        let folder = try DataDirectory.prepare(configuration.dataDirectory, log: log)
        var storeConfiguration = StoreConfiguration(path: folder.appendingPathComponent("till.sqlite").path)
        storeConfiguration.readers = 1
        let store: Store
        do {
            store = try Store.open(storeConfiguration)
        } catch let error as StoreOpenError {
            if case .alreadyOpen = error { throw .store("\(error) (stop tilld first: keys are created against a stopped daemon's data directory)") }
            throw .store("\(error)")
        } catch {
            throw .store("\(error)")
        }
        defer { store.shutdown() }
        let key: APIKey
        do {
            key = try APIKey.generate(role: .operator)
        } catch {
            throw .store("no randomness for a new key: \(error)")
        }
        do {
            let id = try LoyaltyStore(store: store).provisionOperator(name: name, keyDigest: key.digest)
            return Created(keyId: "op-\(id)", name: name, apiKey: key.secret)
        } catch {
            throw .store("\(error)")
        }
    }
}
