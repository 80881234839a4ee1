import Foundation

/// The SQL texts journal records refer to by number (`StatementDictionary`), shared by the threads that append
/// records: the writer, and the ledger when it journals the purchases it decides (`WriterConfiguration.ledgerThread`).
///
/// Guarantees: one thread at a time uses the dictionary (`withDictionary`); a caller that encodes a record, hands it
/// to the journal and learns the texts it defines within one call makes every text's number defined by the first
/// record, in LSN order, that uses it, whichever thread appended it. `@unchecked Sendable`: the dictionary is only
/// reached under the lock.
final class JournalTexts: @unchecked Sendable {
    private let lock = NSLock()
    private let dictionary: StatementDictionary

    init(_ dictionary: StatementDictionary) {
        self.dictionary = dictionary
    }

    /// Runs `body` with the dictionary, no other thread using it meanwhile.
    func withDictionary<T>(_ body: (StatementDictionary) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(dictionary)
    }
}
