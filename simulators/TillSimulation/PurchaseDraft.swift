import TillCore
import TillProtocol

/// A purchase body as the simulator draws it: the basket as articles and quantities, written straight to the wire
/// from the catalog's line templates, and built as a `PurchaseRequest` only when something needs one (a retry, a
/// return, a model check of a kept purchase).
///
/// Guarantees: `encodeFields(to:)` writes exactly the bytes `request.encodeFields(to:)` writes (so the frame is the
/// one `ClientCodec` writes for `.purchase(request)`); `request` is what `BasketBuilder.purchase` returns for the
/// same draws.
public struct PurchaseDraft: Sendable {
    public let transactionId: String
    public let openedAt: Timestamp
    public let orderType: OrderType
    public let employee: String?
    public let members: [MemberIdentifier]
    public let lines: [BasketLine]
    public let orderDiscount: MinorUnits
    /// Cash or card for the whole total, or none (the builder's purchases have at most one payment).
    public let payment: Payment?
    public let currency: String
    let catalog: ShopCatalog

    init(transactionId: String, openedAt: Timestamp, orderType: OrderType, employee: String?, members: [MemberIdentifier],
         lines: [BasketLine], orderDiscount: MinorUnits, payment: Payment?, currency: String, catalog: ShopCatalog) {
        precondition(!lines.isEmpty && lines.count <= WireLimits.maxItems, "a purchase has 1 to \(WireLimits.maxItems) lines")
        self.transactionId = transactionId
        self.openedAt = openedAt
        self.orderType = orderType
        self.employee = employee
        self.members = members
        self.lines = lines
        self.orderDiscount = orderDiscount
        self.payment = payment
        self.currency = currency
        self.catalog = catalog
    }

    /// The body as the protocol's type.
    public var request: PurchaseRequest {
        PurchaseRequest(
            transactionId: transactionId, openedAt: openedAt, orderType: orderType, employee: employee, members: members,
            items: lines.enumerated().map { catalog.lineItem($1, position: $0 + 1) }, orderDiscount: orderDiscount,
            payments: payment.map { [$0] } ?? [], currency: currency)
    }

    /// The body's fields, in `PurchaseRequest.encodeFields`'s order and form: the head and the tail through the same
    /// writer runs, every line in one run from the catalog's templates.
    public func encodeFields(to w: inout JSONWriter) {
        w.purchaseHead(transactionId: transactionId, openedAt: openedAt, orderType: orderType, employee: employee, members: members)
        w.key("items")
        w.beginArray()
        catalog.articles.withUnsafeBufferPointer { articles in
            lines.withUnsafeBufferPointer { lines in
                w.numberedLineItems(lines.count, templates: catalog.templates) { k in
                    (lines[k].article, lines[k].quantity, articles[lines[k].article].unitPrice, lines[k].discount)
                }
            }
        }
        w.endArray()
        w.purchaseTail(orderDiscount: orderDiscount, tax: 0, payments: payment == nil ? 0 : 1, { _ in payment! }, redemptions: [],
                       currency: currency)
    }
}
