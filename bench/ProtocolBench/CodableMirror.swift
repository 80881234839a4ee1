import Foundation

// Codable mirrors of the wire messages, for the Foundation comparison only (same JSON shape as the protocol).

struct IdentifierC: Codable { var kind: String; var value: String }
struct LineItemC: Codable {
    var lineId: String; var code: String; var name: String; var department: String?; var quantity: Decimal
    var unitPrice: Int64; var discount: Int64; var tags: [String]
}
struct PaymentC: Codable { var means: String; var amount: Int64; var memberKey: String? }
struct PurchaseEnvelopeC: Codable {
    var id: Int64; var op: String; var transactionId: String; var openedAt: String; var orderType: String; var employee: String?
    var members: [IdentifierC]; var items: [LineItemC]; var orderDiscount: Int64; var tax: Int64; var payments: [PaymentC]
    var redemptions: [String]; var currency: String
}

struct TerminalC: Codable { var branchId: String; var posId: String }
struct BalanceC: Codable { var points: Int64; var pendingPoints: Int64; var credit: Int64 }
struct PunchC: Codable { var benefitId: String; var name: String; var punches: Int64; var punchesAfter: Int64; var punchesRequired: Int64; var completed: Bool; var rewardsCompleted: Int64 }
struct IssuedC: Codable { var benefitId: String; var name: String; var kind: String; var validUntil: String? }
struct ReceiptMemberC: Codable {
    var memberKey: String; var pointsEarned: Int64; var pointsPending: Int64; var pointsSpent: Int64; var creditSpent: Int64
    var punches: [PunchC]; var benefitsIssued: [IssuedC]; var balance: BalanceC
}
struct RedemptionC: Codable { var benefitId: String; var name: String; var memberKey: String; var amount: Int64; var lineIds: [String] }
struct ReceiptPaymentC: Codable { var means: String; var amount: Int64; var points: Int64?; var memberKey: String? }
struct ReceiptC: Codable {
    var terminal: TerminalC; var transactionId: String; var openedAt: String; var currency: String; var subtotal: Int64
    var itemDiscounts: Int64; var orderDiscount: Int64; var benefitDiscounts: Int64; var tax: Int64; var total: Int64
    var payments: [ReceiptPaymentC]; var members: [ReceiptMemberC]; var redemptions: [RedemptionC]; var replay: Bool
}
struct ResponseEnvelopeC: Codable { var id: Int64; var op: String; var result: ReceiptC }
