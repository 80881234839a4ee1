import TillCore
import TillJournal

/// What the ledger decided for a purchase, void or return: the writes it makes, in order (none for a resend answered from the store;
/// its output is kept with the request), with its footprint (what they may change), or the refusal it is answered with.
enum LedgerOutcome {
    case writes([EffectLog.Entry], footprint: Footprint)
    case refused(TillError)
}

/// A record in the journal with what the writer needs to apply it again after a rollback (`WriterLoop.answeredRecords`).
struct JournaledRecord: Sendable {
    let lsn: LSN
    let payload: [UInt8]
    let definitions: [EffectRecord.Definition]
}

/// The store's journal and the numbers of its SQL texts, which the writer opened and shares with the ledger so that
/// the ledger journals the requests it decides itself.
///
/// Guarantees: a record the ledger appends is encoded, handed to the journal and its new texts learnt under the
/// texts' lock (`JournalTexts`), as the writer's own are.
struct LedgerJournal: Sendable {
    let journal: JournalWriter
    let texts: JournalTexts

    /// True when writes of at most `bytes` in a record (`EffectLog.takeDeferred`) leave room for the SQL texts it may
    /// define: half of `JournalConfiguration.maxRecordBytes` for the values.
    func fits(_ bytes: Int) -> Bool { bytes <= journal.configuration.maxRecordBytes / 2 }

    /// Encodes `writes` as one record, hands it to the journal (`onDurable` reports its sync) and learns the texts it
    /// defines; throws what the journal refused it for (the record is not in the journal then).
    func append(_ writes: [EffectLog.Entry], capacity: Int,
                onDurable: @escaping @Sendable (Result<LSN, JournalError>) -> Void) throws -> JournaledRecord {
        try texts.withDictionary { dictionary in
            let (payload, definitions) = EffectRecord.encode(writes, dictionary: dictionary, capacity: capacity)
            let lsn = try journal.submit(JournalRecord(payload: payload), onDurable: onDurable)
            for definition in definitions { try dictionary.learn(id: definition.id, sql: definition.sql) }
            return JournaledRecord(lsn: lsn, payload: payload, definitions: definitions)
        }
    }
}

/// What the ledger journaled for the requests it decided together, handed to the writer thread in their place: the
/// writer applies the record's writes to SQLite (`WriterLoop.applyLedgerRecords`) and commits them; it answers
/// nobody (the ledger did, after the record's fdatasync).
final class LedgerRecord: QueuedWrite, Sendable {
    /// How many requests the ledger decided in it (the writer counts them as taken: `LedgerProgress`).
    let requests: Int
    /// The record (nil: none of them wrote anything, and nothing was journaled).
    let journaled: JournaledRecord?
    /// Its writes, in order.
    let writes: [EffectLog.Entry]

    init(requests: Int, journaled: JournaledRecord?, writes: [EffectLog.Entry]) {
        self.requests = requests
        self.journaled = journaled
        self.writes = writes
    }

    var keepsHotAccounts: Bool { false }
    var decidesBeforeWriting: Bool { false }
    var decidesOnLedger: Bool { false }
    var reachesOnlyItsFootprint: Bool { false }
    func perform(_ context: WriteContext) throws {
        preconditionFailure("a ledger record is applied (WriterLoop.applyLedgerRecords), not performed")
    }
    func succeed() {}  // its requests are answered by the ledger
    func fail(_ error: TillError) {}
}

extension Ledger {
    /// Journals the writes of `decided` as one record and answers them (refusals too) once it and every record before
    /// it are durable; returns what the writer applies. Nil when the journal refused the record: the decided requests
    /// are failed then, with the store's fail-stop.
    func journalDecided(_ decided: ArraySlice<(item: any QueuedWrite, outcome: LedgerOutcome?)>,
                        estimatedBytes: Int) -> LedgerRecord? {
        var writes: [EffectLog.Entry] = []
        var reach = Footprint()
        var outcomes: [TillError?] = []
        outcomes.reserveCapacity(decided.count)
        for (_, outcome) in decided {
            switch outcome {
            case .writes(let made, let read)?:
                writes.append(contentsOf: made)
                if !made.isEmpty { reach.add(read) }
                outcomes.append(nil)
            case .refused(let error)?: outcomes.append(error)
            case nil: preconditionFailure("an undecided request in the journaled part of a group")
            }
        }
        let answers = Answers(requests: decided.map(\.item), outcomes: outcomes)
        var journaled: JournaledRecord?
        if !writes.isEmpty {
            do {
                journaled = try journal.append(writes, capacity: estimatedBytes,
                                               onDurable: writer.countingJournalSync(submitted: syncClock.now(), clock: syncClock))
            } catch {
                writer.stopWriting(failing: answers.requests, stage: "ledger", reason: "the journal refused its record: \(error)")
                return nil
            }
        }
        let succeeded = outcomes.count { $0 == nil }
        writer.counters.withLock {  // first: a completion observes stats that include its requests
            $0.record(batchSize: decided.count, succeeded: succeeded)
            if let journaled { DurableCommit.journaled(bytes: journaled.payload.count).record(in: &$0) }
        }
        // Reads begun after an answer wait for its COMMIT, those of footprints only when it reached theirs.
        if let journaled { writer.visibility.acknowledge(journaled.lsn.rawValue, reach: .footprint(reach)) }
        answers.deliver(whenDurableThrough: journaled?.lsn ?? journal.journal.lastAssignedLSN, in: journal.journal, writer: writer)
        return LedgerRecord(requests: decided.count, journaled: journaled, writes: writes)
    }
}
