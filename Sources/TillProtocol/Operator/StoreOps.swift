import TillCore

/// `store.backup`: an online copy of the whole store, written by the daemon to a file on its own host.
public struct BackupRequest: Hashable, Sendable, WireBody {
    /// An absolute path on the daemon's host, naming a file that does not exist yet in an existing folder.
    public var path: String
    public init(path: String) { self.path = path }
    public init(wire o: JSONObjectReader) throws(TillError) {
        let path = try o.required("path").nonEmptyString(maxLength: 4_096)
        guard path.hasPrefix("/") else { throw .invalidRequest(field: o.childPath("path"), reason: "must be an absolute path on the daemon's host") }
        self.init(path: path)
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("path", path) }
}

/// The answer to `store.backup`: the copy is complete, fsynced and owner-only (0600) when this is answered.
public struct BackupResult: Hashable, Sendable, WireBody {
    public var path: String
    public var bytes: Int64
    /// The schema version of the copy (what `tilld restore` checks against).
    public var schemaVersion: Int64
    public var completedAt: Timestamp
    public init(path: String, bytes: Int64, schemaVersion: Int64, completedAt: Timestamp) {
        self.path = path; self.bytes = bytes; self.schemaVersion = schemaVersion; self.completedAt = completedAt
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(path: try o.required("path").nonEmptyString(maxLength: 4_096), bytes: try o.int("bytes"),
                  schemaVersion: try o.int("schemaVersion"), completedAt: try o.timestamp("completedAt"))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("path", path); w.field("bytes", bytes); w.field("schemaVersion", schemaVersion); w.field("completedAt", completedAt)
    }
}
