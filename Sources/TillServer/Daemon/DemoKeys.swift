import Foundation
import TillIO
import TillStore

/// The demo terminal and operator keys that let a newcomer try Till at once.
///
/// On the first start of an empty store they are generated, provisioned (only their SHA-256 digests go into the
/// store) and written to `demo-keys.json` in the data folder with mode 0600, so later starts can print them again.
/// Production deployments run with `--demo false` and provision keys with `till terminal provision`.
public struct DemoKeys: Sendable, Codable, Equatable {
    public var terminalKey: String
    public var branchId: String
    public var posId: String
    public var operatorKey: String
    public var operatorName: String

    static let fileName = "demo-keys.json"

    static func prepare(loyalty: LoyaltyStore, folder: URL) throws -> DemoKeys? {
        let file = folder.appendingPathComponent(fileName)
        if try loyalty.installDemoCatalogIfEmpty() {
            let terminal = try APIKey.generate(role: .terminal)
            let operatorKey = try APIKey.generate(role: .operator)
            let keys = DemoKeys(terminalKey: terminal.secret, branchId: "demo", posId: "1", operatorKey: operatorKey.secret, operatorName: "demo-operator")
            try loyalty.provisionTerminal(branchId: keys.branchId, posId: keys.posId, keyDigest: terminal.digest)
            _ = try loyalty.provisionOperator(name: keys.operatorName, keyDigest: operatorKey.digest)
            let data = try JSONEncoder().encode(keys)
            guard FileManager.default.createFile(atPath: file.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw DaemonError.store("cannot write the demo keys to \(file.path)")
            }
            return keys
        }
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        return try JSONDecoder().decode(DemoKeys.self, from: data)
    }
}
