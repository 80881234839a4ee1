import CLinux
import Glibc
import Synchronization

/// The one place syscalls are made: each wrapper retries EINTR, maps EAGAIN to `.wouldBlock` and throws any other
/// failure as `IOError.syscall`.
enum Posix {
    @inline(__always)
    static func call<T: FixedWidthInteger & Sendable>(_ name: String, _ body: () -> T) throws(IOError) -> IOResult<T> {
        while true {
            let result = body()
            if result != -1 { return .processed(result) }
            let code = Glibc.errno
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: throw .syscall(name: name, errno: code)
            }
        }
    }

    /// For calls that never legitimately block: EAGAIN is an error too.
    @inline(__always)
    static func must<T: FixedWidthInteger & Sendable>(_ name: String, _ body: () -> T) throws(IOError) -> T {
        switch try call(name, body) {
        case .processed(let value): return value
        case .wouldBlock: throw .syscall(name: name, errno: EAGAIN)
        }
    }

    static func socket(domain: Int32, nonBlocking: Bool) throws(IOError) -> Int32 {
        var type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        if nonBlocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
        return try must("socket") { Glibc.socket(domain, type, 0) }
    }

    static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) throws(IOError) {
        var value = value
        _ = try must("setsockopt") {
            Glibc.setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    static func getOption(_ fd: Int32, level: Int32, name: Int32) throws(IOError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try must("getsockopt") { Glibc.getsockopt(fd, level, name, &value, &length) }
        return value
    }

    static func bind(_ fd: Int32, _ address: SocketAddress) throws(IOError) {
        _ = try must("bind") { address.withSockAddr { Glibc.bind(fd, $0, $1) } }
    }

    static func listen(_ fd: Int32, backlog: Int32) throws(IOError) {
        _ = try must("listen") { Glibc.listen(fd, backlog) }
    }

    /// Non-blocking connect: `.wouldBlock` means in progress (EINPROGRESS); completion is signalled by writability.
    static func connect(_ fd: Int32, _ address: SocketAddress) throws(IOError) -> IOResult<Void> {
        while true {
            let result = address.withSockAddr { Glibc.connect(fd, $0, $1) }
            if result == 0 { return .processed(()) }
            let code = Glibc.errno
            if code == EINTR { continue }
            if code == EINPROGRESS || code == EAGAIN { return .wouldBlock }
            throw .syscall(name: "connect", errno: code)
        }
    }

    /// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC; returns the fd and the peer's address.
    static func accept(_ fd: Int32) throws(IOError) -> IOResult<(Int32, SocketAddress)> {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let flags = Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let result = try call("accept4") {
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { CLinux.till_accept4(fd, $0, &length, flags) }
            }
        }
        switch result {
        case .processed(let client): return .processed((client, SocketAddress(storage: storage, length: length)))
        case .wouldBlock: return .wouldBlock
        }
    }

    static func localAddress(_ fd: Int32) throws(IOError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try must("getsockname") {
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.getsockname(fd, $0, &length) }
            }
        }
        return SocketAddress(storage: storage, length: length)
    }

    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(IOError) -> IOResult<Int> {
        try call("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(IOError) -> IOResult<Int> {
        try call("write") { Glibc.write(fd, buffer.baseAddress, buffer.count) }
    }

    static func writev(_ fd: Int32, _ vectors: UnsafeBufferPointer<iovec>) throws(IOError) -> IOResult<Int> {
        try call("writev") { Glibc.writev(fd, vectors.baseAddress, Int32(vectors.count)) }
    }

    /// close(2) is never retried: on Linux the fd is gone even when it reports EINTR.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    static func shutdown(_ fd: Int32, how: Int32) throws(IOError) {
        _ = try must("shutdown") { Glibc.shutdown(fd, how) }
    }

    /// poll(2) on one fd; returns the revents (0 on timeout).
    static func poll(_ fd: Int32, events: Int16, timeoutMilliseconds: Int32) throws(IOError) -> Int16 {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let count = try must("poll") { Glibc.poll(&entry, 1, timeoutMilliseconds) }
        return count == 0 ? 0 : entry.revents
    }

    static func epollCreate() throws(IOError) -> Int32 {
        try must("epoll_create1") { CLinux.epoll_create1(Int32(EPOLL_CLOEXEC)) }
    }

    static func epollControl(_ epfd: Int32, _ op: Int32, _ fd: Int32, events: UInt32, data: UInt64) throws(IOError) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = data
        _ = try must("epoll_ctl") { CLinux.epoll_ctl(epfd, op, fd, &event) }
    }

    /// Waits up to `timeoutNanoseconds` (-1 = forever) with `epoll_pwait2`, so timers fire at their deadline rather
    /// than on the next millisecond; falls back to `epoll_wait` (timeout rounded up to a millisecond) where the call
    /// is missing or filtered.
    static func epollWait(
        _ epfd: Int32,
        _ events: UnsafeMutableBufferPointer<epoll_event>,
        timeoutNanoseconds: Int64
    )
        throws(IOError) -> Int
    {
        if !epollPwait2Missing.load(ordering: .relaxed) {
            do {
                return Int(
                    try must("epoll_pwait2") {
                        CLinux.till_epoll_pwait2(epfd, events.baseAddress, Int32(events.count), timeoutNanoseconds)
                    }
                )
            } catch {
                // ENOSYS before Linux 5.11; EPERM from seccomp profiles that predate the call (older container
                // runtimes).
                guard error.errno == ENOSYS || error.errno == EPERM else { throw error }
                epollPwait2Missing.store(true, ordering: .relaxed)
            }
        }
        let milliseconds = timeoutNanoseconds < 0 ? -1 : Int32(min((timeoutNanoseconds + 999_999) / 1_000_000, 60_000))
        return Int(
            try must("epoll_wait") {
                CLinux.epoll_wait(epfd, events.baseAddress, Int32(events.count), milliseconds)
            }
        )
    }

    /// Set once the kernel or a seccomp filter refused `epoll_pwait2`.
    static let epollPwait2Missing = Atomic<Bool>(false)

    /// Sets the calling thread's timer slack: how late the kernel may fire its timers to batch wake-ups (50 µs by
    /// default).
    static func setTimerSlack(nanoseconds: UInt) throws(IOError) {
        _ = try must("prctl(PR_SET_TIMERSLACK)") { CLinux.till_set_timer_slack(nanoseconds) }
    }

    static func eventFD() throws(IOError) -> Int32 {
        try must("eventfd") { CLinux.eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK)) }
    }

    /// Adds one to an eventfd counter (never blocks in practice: the counter would have to reach 2^64 - 1).
    static func eventFDSignal(_ fd: Int32) throws(IOError) {
        var one: UInt64 = 1
        _ = try call("eventfd_write") { Glibc.write(fd, &one, 8) }
    }

    /// Resets an eventfd counter to zero.
    static func eventFDDrain(_ fd: Int32) throws(IOError) {
        var value: UInt64 = 0
        _ = try call("eventfd_read") { Glibc.read(fd, &value, 8) }
    }

    /// Ignores SIGPIPE for the whole process (writes to a closed socket return EPIPE instead of killing us).
    static func ignoreSIGPIPE() {
        _ = Glibc.signal(SIGPIPE, SIG_IGN)
    }
}
