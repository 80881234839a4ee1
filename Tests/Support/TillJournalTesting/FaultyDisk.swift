import Dispatch
import Glibc
import Synchronization
import TillJournal

/// A journal directory over real files that fails the way a disk does, for tests: a sync that fails, a disk that
/// fills up, or a power cut at a chosen sync after which every write not yet synced is undone — except a seeded
/// choice of 512-byte sectors that made it to the platter (a torn write).
///
/// Guarantees: until a fault is armed it behaves exactly like `DiskJournalDirectory`; after a power cut every
/// operation fails with EIO until `restoreAfterPowerCut` has run.
public final class FaultyDisk: JournalDirectory, Sendable {
    struct Undo {
        let offset: Int
        let before: [UInt8]
        let written: Int
    }

    struct State {
        var syncs = 0
        var cutAtSync: Int?
        var powerOff = false
        var failSyncs: Int32?
        var spaceLeft: Int?
        var holding = false
        var unsynced: [String: [Undo]] = [:]
        var failRemoves: Int32?
        var removals: [(name: String, thread: pthread_t)] = []
        var recycled: [(released: String, name: String)] = []
        var prepared: [String] = []
    }

    public let disk: DiskJournalDirectory
    let state = Mutex(State())
    let held = DispatchSemaphore(value: 0)
    let resume = DispatchSemaphore(value: 0)

    public init(path: String) throws(JournalError) { disk = try DiskJournalDirectory(path: path) }

    public var location: String { disk.location }

    /// Syncs that reached the disk so far (failed ones included).
    public var syncCount: Int { state.withLock { $0.syncs } }

    /// The `count`-th sync from now fails with EIO and the power goes off with it.
    public func cutPower(atSync count: Int) {
        state.withLock { $0.cutAtSync = $0.syncs + count }
    }

    /// Every sync from now fails with `errno` (the data may or may not have reached the disk).
    public func failSyncs(errno: Int32) { state.withLock { $0.failSyncs = errno } }

    /// Writes fail with ENOSPC once `bytes` more bytes have been written (the write that crosses the line writes
    /// its first part, as a real full disk does).
    public func fillUp(after bytes: Int) { state.withLock { $0.spaceLeft = bytes } }

    /// The next sync waits until `releaseSync()`; `waitForHeldSync()` returns once it is waiting. Lets a test fill
    /// the journal's queue behind a sync in progress without sleeping.
    public func holdNextSync() { state.withLock { $0.holding = true } }
    public func waitForHeldSync() { held.wait() }
    public func releaseSync() { resume.signal() }

    /// Undoes every write not yet synced, keeping each 512-byte sector of them with probability `keep` (seeded),
    /// and turns the power back on. Returns how many bytes were undone.
    @discardableResult
    public func restoreAfterPowerCut(seed: UInt64, keep: Double = 0.3) throws -> Int {
        var random = SeededRandom(seed: seed)
        let pending = state.withLock { state in
            defer { state.unsynced = [:]; state.powerOff = false; state.cutAtSync = nil }
            return state.unsynced
        }
        var undone = 0
        for (name, undos) in pending.sorted(by: { $0.key < $1.key }) {
            let file = try disk.open(name)
            defer { file.close() }
            for undo in undos.reversed() {
                var sector = undo.offset / 512 * 512
                while sector < undo.offset + undo.written {
                    let start = max(sector, undo.offset)
                    let end = min(sector + 512, undo.offset + undo.written, undo.offset + undo.before.count)
                    if start < end, random.nextDouble() >= keep {
                        try file.write(Array(undo.before[(start - undo.offset)..<(end - undo.offset)]), at: start)
                        undone += end - start
                    }
                    sector += 512
                }
            }
            try file.synchronize()
        }
        return undone
    }

    public func names() throws(JournalError) -> [String] {
        try checkPower("names")
        return try disk.names()
    }

    public func prepare(_ name: String, size: Int) throws(JournalError) {
        try checkPower(name)
        state.withLock { $0.prepared.append(name) }
        try disk.prepare(name, size: size)
    }

    /// The segments zero-filled so far, in order.
    public var prepared: [String] { state.withLock { $0.prepared } }

    public func open(_ name: String) throws(JournalError) -> any JournalFile {
        try checkPower(name)
        return FaultyFile(name: name, file: try disk.open(name), disk: self)
    }

    public func remove(_ name: String) throws(JournalError) {
        try checkPower(name)
        let failure: Int32? = state.withLock { state in
            state.removals.append((name, pthread_self()))
            return state.failRemoves
        }
        if let failure { throw .io(operation: "unlink", path: name, errno: failure) }
        try disk.remove(name)
    }

    public func recycle(_ released: String, as name: String) throws(JournalError) {
        try checkPower(released)
        state.withLock { $0.recycled.append((released, name)) }
        try disk.recycle(released, as: name)
    }

    /// The released segments renamed to spares, in order.
    public var recycled: [(released: String, name: String)] { state.withLock { $0.recycled } }

    /// Every removal from now fails with `errno` (the file stays).
    public func failRemoves(errno: Int32) { state.withLock { $0.failRemoves = errno } }

    /// The files removal was asked for, in order, each with the thread that asked (failed ones included).
    public var removals: [(name: String, thread: pthread_t)] { state.withLock { $0.removals } }

    func checkPower(_ name: String) throws(JournalError) {
        if state.withLock({ $0.powerOff }) { throw .io(operation: "power off", path: name, errno: EIO) }
    }
}

/// A segment file on a `FaultyDisk`: remembers what each unsynced write replaced.
final class FaultyFile: JournalFile {
    let name: String
    let file: any JournalFile
    let disk: FaultyDisk

    init(name: String, file: any JournalFile, disk: FaultyDisk) {
        self.name = name
        self.file = file
        self.disk = disk
    }

    func size() throws(JournalError) -> Int { try file.size() }

    func read(at offset: Int, count: Int) throws(JournalError) -> [UInt8] {
        try disk.checkPower(name)
        return try file.read(at: offset, count: count)
    }

    func write(_ bytes: [UInt8], at offset: Int) throws(JournalError) {
        try disk.checkPower(name)
        let allowed = disk.state.withLock { state -> Int in
            guard let left = state.spaceLeft else { return bytes.count }
            let allowed = min(left, bytes.count)
            state.spaceLeft = left - allowed
            return allowed
        }
        let before = try file.read(at: offset, count: allowed)
        try file.write(Array(bytes[0..<allowed]), at: offset)
        disk.state.withLock { $0.unsynced[name, default: []].append(.init(offset: offset, before: before, written: allowed)) }
        if allowed < bytes.count { throw .io(operation: "pwrite", path: name, errno: ENOSPC) }
    }

    func synchronize() throws(JournalError) {
        try disk.checkPower(name)
        if disk.state.withLock({ state in defer { state.holding = false }; return state.holding }) {
            disk.held.signal()
            disk.resume.wait()
        }
        let failure: Int32? = disk.state.withLock { state in
            state.syncs += 1
            if let cut = state.cutAtSync, state.syncs >= cut {
                state.powerOff = true
                return EIO
            }
            return state.failSyncs
        }
        if let failure { throw .io(operation: "fdatasync", path: name, errno: failure) }
        try file.synchronize()
        disk.state.withLock { $0.unsynced[name] = nil }
    }

    func close() { file.close() }
}

/// SplitMix64: a small seeded generator, so that a failing seed can be run again.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
    /// A uniform value in 0..<1 (test use only: choosing which sectors survive).
    public mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
