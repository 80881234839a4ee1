import Glibc

/// The reactor side of `Connection`: readiness dispatch, reads into the loop's shared buffer, flushing, the TLS
/// handshake and non-blocking connect. Loop thread only.
extension Connection: Selectable {
    /// Reads per readiness event before yielding to other connections (fairness).
    static let readsPerWake = 4
    /// TLS reads return at most one record (16 KiB), so TLS gets more reads for a similar byte budget.
    static let tlsRecordsPerWake = 16

    func ready(_ event: ReadyEvent) {
        switch state {
        case .closed:
            return
        case .connecting:
            finishConnect()
        case .handshaking:
            advanceHandshake()
        case .active:
            if event.writable {
                if tlsReadWantsWrite {
                    tlsReadWantsWrite = false
                    readAvailable()
                }
                if state == .active && !pending.isEmpty { flush() }
            }
            if event.readable || event.hangup {
                if tlsWriteWantsRead {
                    tlsWriteWantsRead = false
                    flush()
                }
                if state == .active && (!readingPaused || event.hangup) { readAvailable(draining: event.hangup) }
            }
            if event.hangup && state == .active { close(reason: .peerClosed) }
        }
        updateInterest()
    }

    func loopShutdown() { close(reason: .loopShutdown) }

    /// Reads up to `readsPerWake` buffers (all of them with `draining`) and hands each to the handler.
    func readAvailable(draining: Bool = false) {
        var budget = draining ? Int.max : (tls == nil ? Self.readsPerWake : Self.tlsRecordsPerWake)
        let buffer = loop.readBuffer
        while budget > 0 && state == .active && (!readingPaused || draining) {
            budget -= 1
            let (count, step) = readOnce(into: buffer)
            if count > 0 {
                loop.metrics.bytesIn.add(count, ordering: .relaxed)
                handler?.received(buffer.bytes[0..<count], on: self)
                if tls == nil && count < buffer.bytes.count { return }  // short read: the socket is drained
                // TLS reads ahead: nothing left inside OpenSSL means its last read(2) emptied the socket (if more
                // arrived since, level-triggered epoll reports it), so skip the read that would find it empty.
                if let tls, !draining, state == .active, !tls.hasPendingPlaintext { return }
                continue
            }
            switch step {
            case .done, .wantRead: return
            case .wantWrite:
                tlsReadWantsWrite = true
                return
            case .closed: return close(reason: .peerClosed)
            case .failed(let error): return close(reason: .error(error))
            }
        }
        // Budget spent: OpenSSL may hold decrypted bytes that epoll cannot see; come back after other work.
        if state == .active && !readingPaused && tls?.hasPendingPlaintext == true {
            loop.execute { [self] in
                readAvailable()
                updateInterest()
            }
        }
    }

    private func readOnce(into buffer: ReadBuffer) -> (Int, TLSSession.Step) {
        if let tls {
            return buffer.bytes.withUnsafeMutableBytes { tls.read(into: $0) }
        }
        let outcome: Result<IOResult<Int>, IOError> = buffer.bytes.withUnsafeMutableBytes { raw in
            do throws(IOError) { return .success(try Posix.read(fd, into: raw)) } catch { return .failure(error) }
        }
        switch outcome {
        case .success(let result):
            switch result {
            case .processed(0): return (0, .closed)
            case .processed(let count): return (count, .done)
            case .wouldBlock: return (0, .wantRead)
            }
        case .failure(let error):
            if error.errno == ECONNRESET { return (0, .closed) }
            return (0, .failed(error))
        }
    }

    /// Sends pending bytes until the socket (or OpenSSL) would block.
    func flush() {
        let hadToWait = interest.contains(.write) || tlsWriteWantsRead
        while state == .active && !pending.isEmpty {
            var step = TLSSession.Step.done
            let sent = pending.sendFirst { bytes in
                let (count, result) = writeOnce(bytes)
                step = result
                return count
            }
            if sent > 0 {
                loop.metrics.bytesOut.add(sent, ordering: .relaxed)
                continue
            }
            switch step {
            case .done, .wantWrite:
                notifyWhenFlushed = true
                return
            case .wantRead:
                tlsWriteWantsRead = true
                notifyWhenFlushed = true
                return
            case .closed: return close(reason: .peerClosed)
            case .failed(let error): return close(reason: .error(error))
            }
        }
        guard state == .active else { return }
        if closeWhenFlushed { return close(reason: .local) }
        if notifyWhenFlushed || hadToWait {
            notifyWhenFlushed = false
            handler?.writable(self)
        }
    }

    /// Sends from `bytes` (nothing pending before them) until the socket or OpenSSL would block; returns how many
    /// went out. Closes on failure; leaves the caller to queue the rest.
    func writeThrough(_ bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while state == .active && offset < bytes.count {
            let (count, step) = writeOnce(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            if count > 0 {
                offset += count
                loop.metrics.bytesOut.add(count, ordering: .relaxed)
                continue
            }
            switch step {
            case .done, .wantWrite:
                notifyWhenFlushed = true
            case .wantRead:
                tlsWriteWantsRead = true
                notifyWhenFlushed = true
            case .closed: close(reason: .peerClosed)
            case .failed(let error): close(reason: .error(error))
            }
            return offset
        }
        return offset
    }

    private func writeOnce(_ bytes: UnsafeRawBufferPointer) -> (Int, TLSSession.Step) {
        if let tls { return tls.write(bytes) }
        do {
            switch try Posix.write(fd, bytes) {
            case .processed(let count): return (count, .done)
            case .wouldBlock: return (0, .wantWrite)
            }
        } catch {
            return (0, .failed(error))
        }
    }

    func advanceHandshake() {
        guard let tls else { return }
        switch tls.handshake() {
        case .done:
            handshakeTimer?.cancel()
            handshakeTimer = nil
            state = .active
            peerCertificate = tls.peerCertificate
            tlsVersion = tls.protocolVersion
            loop.metrics.handshakesOK.add(1, ordering: .relaxed)
            loop.metrics.tlsSessionEstablished(version: tls.protocolVersion)
            handler?.connected(self)
            if state == .active && !pending.isEmpty { flush() }
            if state == .active && tls.hasPendingPlaintext && !readingPaused { readAvailable() }
        case .wantRead:
            handshakeInterest = .read
        case .wantWrite:
            handshakeInterest = .write
        case .closed:
            loop.metrics.handshakesFailed.add(1, ordering: .relaxed)
            close(reason: .handshakeFailed(.connectionClosed))
        case .failed(let error):
            loop.metrics.handshakesFailed.add(1, ordering: .relaxed)
            close(reason: .handshakeFailed(error))
        }
    }

    private func finishConnect() {
        let code: Int32
        do {
            code = try Posix.getOption(fd, level: SOL_SOCKET, name: SO_ERROR)
        } catch {
            return close(reason: .error(error))
        }
        guard code == 0 else { return close(reason: .error(.syscall(name: "connect", errno: code))) }
        try? Posix.setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        if tls != nil {
            state = .handshaking
            advanceHandshake()
        } else {
            state = .active
            handler?.connected(self)
            if state == .active && !pending.isEmpty { flush() }
        }
    }
}
