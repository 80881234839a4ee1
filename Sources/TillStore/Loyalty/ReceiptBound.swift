import TillCore
import TillProtocol

/// The one check that keeps every receipt readable again: its compact JSON is at most
/// `ValueLimits.maxReceiptBytes`, so the answer, its replay and `status` fit the default frame.
///
/// Guarantees: `check` throws `invalidRequest` (field `items`) for a receipt whose JSON is too large, and nothing is
/// written (the store keeps the receipt in a smaller binary form, `StoredReceipt`, but answers it as JSON). `quote`
/// applies the same check, so a quote predicts the refusal. Given the receipt's stored form, a receipt whose JSON
/// cannot reach the bound (`jsonBytesAtMost`) is passed without encoding the JSON; any other is checked exactly.
enum ReceiptBound {
    static func check(_ receipt: Receipt) throws(TillError) {
        let bytes = StoredJSON.encode(receipt)
        guard bytes.count <= ValueLimits.maxReceiptBytes else {
            throw .invalidRequest(
                field: "items",
                reason: "the receipt would take \(bytes.count) bytes, more than \(ValueLimits.maxReceiptBytes)")
        }
    }

    /// `check`, for a receipt whose stored form (`StoredReceipt.encode`) is `stored`: encoding the JSON of a
    /// purchase's receipt only to count its bytes was a thirtieth of the writer's instructions per purchase.
    static func check(_ receipt: Receipt, stored: [UInt8]) throws(TillError) {
        if jsonBytesAtMost(storedBytes: stored.count) <= ValueLimits.maxReceiptBytes { return }
        try check(receipt)
    }

    /// The most bytes the JSON of a receipt whose stored form takes `storedBytes` can take. Every field of the JSON
    /// is one element of the stored form (a text, an integer, a flag, a count, a timestamp's two integers), each
    /// taking at least one stored byte, and takes at most 32 bytes of JSON per stored byte: its key (at most 16
    /// bytes) with quotes, colon and comma, an integer's 20 characters or a timestamp's 29, and a text's bytes
    /// escaped six for one at worst (`\u00XX`); an object or array around elements adds its brackets to the
    /// element's count or first field. What has no stored element (the outer braces, `terminal`'s object,
    /// `"replay":false`) is a constant. `ReceiptBoundTests` checks the bound against the widest receipts.
    static func jsonBytesAtMost(storedBytes: Int) -> Int { 64 * storedBytes + 64 }
}
