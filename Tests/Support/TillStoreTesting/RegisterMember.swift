import TillCore
import TillStore

/// Creates a member with a given key, or finds the existing one (idempotent by `memberKey`).
///
/// Guarantees: at most one member per key; the member starts `active` with no consents; the result is the
/// member's row id either way. Minimal on purpose, for the writer's tests, the crash child and the benchmarks: the
/// daemon registers members through `LoyaltyStore.registerMembers` and the back office.
public struct RegisterMember: WriteRequest {
    public var memberKey: String
    public var registeredAt: Int64
    public var source: String
    public var firstName: String?
    public var lastName: String?

    public init(memberKey: String, registeredAt: Int64, source: String = "system", firstName: String? = nil, lastName: String? = nil) {
        self.memberKey = memberKey
        self.registeredAt = registeredAt
        self.source = source
        self.firstName = firstName
        self.lastName = lastName
    }

    public func apply(_ context: WriteContext) throws -> Int64 {
        if let id = try context.connection.int64("SELECT id FROM members WHERE member_key = ?", [.text(memberKey)]) {
            return id
        }
        try context.execute("""
            INSERT INTO members (member_key, status, registered_at, registration_source, first_name, last_name, updated_at)
            VALUES (?, 'active', ?, ?, ?, ?, ?)
            """, [.text(memberKey), .integer(registeredAt), .text(source), .optional(firstName), .optional(lastName),
                  .integer(registeredAt)])
        let id = context.lastInsertRowID
        try context.execute("""
            INSERT INTO member_identifiers (member_id, kind, value, created_at) VALUES (?, 'memberKey', ?, ?)
            """, [.integer(id), .text(memberKey), .integer(registeredAt)])
        return id
    }
}
