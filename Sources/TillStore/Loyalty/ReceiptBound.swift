import TillCore
import TillProtocol

/// The one check that keeps every receipt readable again: its compact JSON is at most
/// `ValueLimits.maxReceiptBytes`, so the answer, its replay and `status` fit the default frame.
///
/// Guarantees: `encode` returns exactly the bytes `StoredJSON.encode` writes, or throws `invalidRequest` (field
/// `items`) and nothing is written. `quote` applies the same check, so a quote predicts the refusal.
enum ReceiptBound {
    static func encode(_ receipt: Receipt) throws(TillError) -> [UInt8] {
        let bytes = StoredJSON.encode(receipt)
        guard bytes.count <= ValueLimits.maxReceiptBytes else {
            throw .invalidRequest(
                field: "items",
                reason: "the receipt would take \(bytes.count) bytes, more than \(ValueLimits.maxReceiptBytes)")
        }
        return bytes
    }
}
