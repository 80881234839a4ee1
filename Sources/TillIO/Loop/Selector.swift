import CLinux
import Glibc

/// What a registered fd wants to hear about. Level-triggered: write interest is only set while bytes are pending.
struct Interest: OptionSet, Sendable {
    let rawValue: UInt8
    static let read = Interest(rawValue: 1)
    static let write = Interest(rawValue: 2)

    var epollEvents: UInt32 {
        var events: UInt32 = 0
        if contains(.read) { events |= EPOLLIN.rawValue }
        if contains(.write) { events |= EPOLLOUT.rawValue }
        return events
    }
}

/// One readiness report from epoll, already decoded.
struct ReadyEvent {
    let fd: Int32
    let registrationID: UInt32
    let readable: Bool
    let writable: Bool
    let hangup: Bool
}

/// A level-triggered epoll set plus an eventfd for wake-ups. Not thread-safe except `wakeUp()`: owned by one loop.
/// Each registration's epoll data carries (registration id << 32 | fd), so stale events for a closed and reused fd
/// are recognised by the loop.
final class Selector {
    let epollFD: Int32
    let wakeFD: Int32
    private var events: UnsafeMutableBufferPointer<epoll_event>
    private static let wakeData: UInt64 = UInt64(UInt32.max) << 32

    init() throws(IOError) {
        epollFD = try Posix.epollCreate()
        do {
            wakeFD = try Posix.eventFD()
        } catch {
            Posix.close(epollFD)
            throw error
        }
        events = .allocate(capacity: 64)
        try Posix.epollControl(epollFD, EPOLL_CTL_ADD, wakeFD, events: EPOLLIN.rawValue, data: Self.wakeData)
    }

    deinit {
        events.deallocate()
        Posix.close(wakeFD)
        Posix.close(epollFD)
    }

    func register(fd: Int32, id: UInt32, interest: Interest) throws(IOError) {
        try Posix.epollControl(epollFD, EPOLL_CTL_ADD, fd, events: interest.epollEvents, data: Self.data(fd, id))
    }

    func reregister(fd: Int32, id: UInt32, interest: Interest) throws(IOError) {
        try Posix.epollControl(epollFD, EPOLL_CTL_MOD, fd, events: interest.epollEvents, data: Self.data(fd, id))
    }

    func deregister(fd: Int32) {
        try? Posix.epollControl(epollFD, EPOLL_CTL_DEL, fd, events: 0, data: 0)
    }

    /// Safe from any thread. The loop coalesces calls so that at most one write is outstanding.
    func wakeUp() {
        try? Posix.eventFDSignal(wakeFD)
    }

    /// Waits up to `timeoutNanoseconds` (-1 = forever). Returns whether the eventfd fired (it is drained here).
    func wait(timeoutNanoseconds: Int64, _ body: (ReadyEvent) -> Void) throws(IOError) -> Bool {
        let count = try Posix.epollWait(epollFD, events, timeoutNanoseconds: timeoutNanoseconds)
        var woken = false
        for index in 0..<count {
            let event = events[index]
            if event.data.u64 == Self.wakeData {
                try? Posix.eventFDDrain(wakeFD)
                woken = true
                continue
            }
            let flags = event.events
            body(
                ReadyEvent(
                    fd: Int32(truncatingIfNeeded: event.data.u64 & 0xFFFF_FFFF),
                    registrationID: UInt32(truncatingIfNeeded: event.data.u64 >> 32),
                    readable: flags & EPOLLIN.rawValue != 0,
                    writable: flags & EPOLLOUT.rawValue != 0,
                    hangup: flags & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
                )
            )
        }
        if count == events.count && count < 4096 {  // grow, like NIO, when a wait filled the array
            events.deallocate()
            events = .allocate(capacity: count * 2)
        }
        return woken
    }

    private static func data(_ fd: Int32, _ id: UInt32) -> UInt64 { UInt64(id) << 32 | UInt64(UInt32(bitPattern: fd)) }
}
