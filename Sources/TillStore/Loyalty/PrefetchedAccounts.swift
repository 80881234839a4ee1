import Synchronization
import TillCore

/// The accounts a purchase's identifiers name, read by a reader thread while the purchase waits in the writer's
/// queue, so that the writer reads none of them (issue 12: the ledger's accounts loaded off its path).
///
/// Guarantees: every entry is what `AccountReader` reads for a purchase, in one read snapshot that holds every batch
/// through `snapshot` (`Visibility.committedBatch`, loaded before the snapshot began; it may hold more), with the
/// program of cache generation `programGeneration`, at `readAt`. It decides nothing by itself: the writer uses an
/// entry in place of its own read only when `HotAccounts.isCurrent` says no batch after `snapshot` may have changed
/// its member, the program is still that generation and its own `now` is not earlier than `readAt`; otherwise it
/// reads the account as it always did. Unknown identifiers and app codes are not carried (the writer reads those).
struct PrefetchedAccounts: Sendable {
    let snapshot: UInt64
    let readAt: Timestamp
    let programGeneration: UInt64
    /// Normalised identifier (phone, email, member key, card) → member row.
    let members: [MemberIdentifier: Int64]
    let entries: [Int64: HotAccounts.Entry]

    /// Reads the accounts `identifiers` name on `connection`, which must not have begun its snapshot yet (a reader
    /// job's connection before its first statement). nil when there is nothing to carry: an identifier the writer
    /// will refuse, no program cached (a reader must not load one from a snapshot that may miss a catalog change), no
    /// member found.
    static func read(_ identifiers: [MemberIdentifier], committed: () -> UInt64, programs: ProgramCache,
                     now: Timestamp, on connection: Connection) throws -> PrefetchedAccounts? {
        guard let (program, generation) = programs.cached else { return nil }
        let snapshot = committed()  // before the snapshot's first read
        let rows = AccountRows()
        let reader = AccountReader(connection: connection, program: program, now: now, rows: rows)
        guard let matches = try? reader.matches(identifiers, scope: .active(naming: [])) else { return nil }
        var members: [MemberIdentifier: Int64] = [:]
        var entries: [Int64: HotAccounts.Entry] = [:]
        for (presented, match) in zip(identifiers, matches) {
            guard let account = match.account else { continue }
            entries[account.id] = HotAccounts.Entry(
                read: account, wallets: HotAccounts.Entry.wallets(of: account.id, in: rows),
                cards: HotAccounts.Entry.cards(of: account, in: rows))
            guard match.appCode == nil,
                  let id = try? Identification.normalise(presented, defaultCountry: program.settings.defaultPhoneCountry,
                                                         field: "")
            else { continue }
            members[id] = account.id
        }
        guard !entries.isEmpty else { return nil }
        return PrefetchedAccounts(snapshot: snapshot, readAt: now, programGeneration: generation, members: members,
                                  entries: entries)
    }
}

/// Where a purchase waiting in the writer's queue receives the accounts a reader read for it (`PrefetchedAccounts`):
/// filled by the reader, taken by the writer, whichever comes first.
///
/// Guarantees: the writer never waits for it: `take` gives what is there (nil when the reader has not finished) and
/// closes the slot; a reader that has not started yet sees `isTaken` and skips the read; a fill after the take is
/// dropped. The purchase stays in the queue in the order it was sent, whatever the reader does.
final class PrefetchSlot: Sendable {
    private enum State {
        case waiting
        case filled(PrefetchedAccounts)
        case taken
    }
    private let state = Mutex(State.waiting)

    init() {}

    /// True once the writer took the purchase: reading for it is wasted.
    var isTaken: Bool { state.withLock { if case .taken = $0 { true } else { false } } }

    /// The reader's result (nil: nothing to carry).
    func fill(_ accounts: PrefetchedAccounts?) {
        state.withLock { s in
            guard case .waiting = s else { return }
            if let accounts { s = .filled(accounts) }
        }
    }

    /// The writer takes what the reader left (nil: not there yet, or nothing); later fills are dropped.
    func take() -> PrefetchedAccounts? {
        state.withLock { s in
            defer { s = .taken }
            if case .filled(let accounts) = s { return accounts }
            return nil
        }
    }
}
