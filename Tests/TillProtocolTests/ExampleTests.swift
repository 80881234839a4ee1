import Foundation
import Testing
import TillCore
@testable import TillProtocol

/// Every file in protocol/examples is exercised: requests decode to the catalogued typed value and re-encode to
/// the same JSON (structurally); responses are exactly what the codec encodes for the typed value, and decode back.
@Suite struct ExampleTests {
    /// Regenerates the folder from the catalogue (run with TILL_WRITE_EXAMPLES=1; then pretty-print with jq/python).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TILL_WRITE_EXAMPLES"] == "1"))
    func writeExamples() throws {
        try FileManager.default.createDirectory(at: Examples.folder, withIntermediateDirectories: true)
        for (name, env) in ExampleCatalog.requestFiles {
            try Data(payload(client.encodeRequest(env))).write(to: Examples.folder.appendingPathComponent(name))
        }
        for (name, env) in ExampleCatalog.responseFiles {
            try Data(payload(server.encodeResponse(env))).write(to: Examples.folder.appendingPathComponent(name))
        }
    }

    @Test func folderMatchesCatalogue() {
        let expected = (ExampleCatalog.requestFiles.map(\.0) + ExampleCatalog.responseFiles.map(\.0)).sorted()
        #expect(Examples.fileNames == expected)
    }

    @Test func everyOpAndErrorCodeHasExamples() {
        let names = Set(Examples.fileNames)
        for op in Op.allCases {
            #expect(names.contains("\(op.rawValue).request.json"), "missing request example for \(op.rawValue)")
            #expect(names.contains("\(op.rawValue).response.json"), "missing response example for \(op.rawValue)")
        }
        let codes = ["invalid_frame", "invalid_request", "unsupported_version", "unauthenticated", "forbidden", "member_not_found",
                     "member_blocked", "benefit_not_redeemable", "insufficient_balance", "payment_out_of_range", "transaction_conflict",
                     "transaction_not_found", "return_exceeds_purchase", "transaction_voided", "not_found", "already_exists", "not_allowed",
                     "overloaded", "storage_failure", "shutting_down"]
        #expect(Set(ExampleCatalog.errors.map(\.1.code)) == Set(codes))
        for code in codes { #expect(names.contains("error.\(code).response.json"), "missing error example \(code)") }
    }

    @Test(arguments: ExampleCatalog.requestFiles.map(\.0))
    func requestExampleDecodesAndReencodes(name: String) throws {
        let bytes = try Examples.load(name)
        let expected = ExampleCatalog.requestFiles.first { $0.0 == name }!.1
        let decoded = try decodeOK(bytes)
        #expect(decoded == expected)
        #expect(try JSONTree(payload(client.encodeRequest(decoded))) == JSONTree(bytes))
    }

    @Test(arguments: ExampleCatalog.responseFiles.map(\.0))
    func responseExampleEqualsEncoding(name: String) throws {
        let bytes = try Examples.load(name)
        let typed = ExampleCatalog.responseFiles.first { $0.0 == name }!.1
        let encoded = payload(server.encodeResponse(typed))
        #expect(try JSONTree(encoded) == JSONTree(bytes))
        #expect(try client.decodeResponse(bytes) == typed)
    }
}
