import TillCore
import TillProtocol

/// The one check that keeps every receipt readable again: its compact JSON is at most
/// `ValueLimits.maxReceiptBytes`, so the answer, its replay and `status` fit the default frame.
///
/// Guarantees: `check` throws `invalidRequest` (field `items`) for a receipt whose JSON is too large, and nothing is
/// written (the store keeps the receipt in a smaller binary form, `StoredReceipt`, but answers it as JSON). `quote`
/// applies the same check, so a quote predicts the refusal.
enum ReceiptBound {
    static func check(_ receipt: Receipt) throws(TillError) {
        let bytes = StoredJSON.encode(receipt)
        guard bytes.count <= ValueLimits.maxReceiptBytes else {
            throw .invalidRequest(
                field: "items",
                reason: "the receipt would take \(bytes.count) bytes, more than \(ValueLimits.maxReceiptBytes)")
        }
    }
}
