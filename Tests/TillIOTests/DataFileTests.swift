import Foundation
import Glibc
import Testing
import TillIO

/// `DataFile.read(at:count:)` reads into storage it does not zero first: what it returns must be exactly the file's
/// bytes, fewer only at the end of the file, whatever the size (small, and several MiB as a journal segment's).
@Suite struct DataFileTests {
    /// A read of several MiB (glibc maps such an allocation afresh: pages the read itself faults in).
    private let largeRead = 4 << 20

    @Test func readsGiveExactlyTheFilesBytesAndFewerOnlyAtItsEnd() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("till-datafile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let size = largeRead + 4_096 + 123
        var state: UInt64 = 7
        let contents = (0..<size).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let file = try DataFile(path: path, mode: .createNew(permissions: 0o600))
        defer { file.close() }
        #expect(try file.read(at: 0, count: 64) == [], "an empty file reads nothing")
        try file.write(contents, at: 0)

        #expect(try file.read(at: 0, count: size) == contents, "the whole file")
        #expect(try file.read(at: 0, count: size + largeRead) == contents, "past the end: the file only")
        #expect(try file.read(at: size - 10, count: largeRead) == Array(contents[(size - 10)...]))
        #expect(try file.read(at: 1_000, count: 333) == Array(contents[1_000..<1_333]))
        #expect(try file.read(at: size, count: 10) == [], "at the end")
        #expect(try file.read(at: size + 5, count: largeRead) == [], "after the end")
        #expect(try file.read(at: 17, count: 0) == [])
    }

    @Test func aFailedReadThrowsTheSyscallsError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("till-datafile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try DataFile(path: path, mode: .createNew(permissions: 0o600))
        try file.write([1, 2, 3], at: 0)
        file.close()
        #expect(throws: IOError.syscall(name: "pread", errno: EBADF)) { try file.read(at: 0, count: largeRead) }
        #expect(throws: IOError.syscall(name: "pread", errno: EBADF)) { try file.read(at: 0, count: 3) }
    }
}
