// swift-tools-version:6.0
// Till: a loyalty POS gateway. No package dependencies: Foundation, Dispatch, Glibc, Synchronization, and the system
// libraries SQLite 3 and OpenSSL 3 through system-library targets.
import PackageDescription

let package = Package(
    name: "Till",
    products: [
        .executable(name: "tilld", targets: ["tilld"]),
        .executable(name: "till", targets: ["till"]),
        .executable(name: "till-sim", targets: ["till-sim"]),
    ],
    targets: [
        // C libraries, through shim headers (function-like macros are wrapped as static inline functions there).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLinux"),

        // Layers, bottom up.
        /// The shop's vocabulary and the loyalty rules: pure, no I/O.
        .target(name: "TillCore"),
        /// Wire protocol v1: framing, strict JSON, typed messages. No I/O.
        .target(name: "TillProtocol", dependencies: ["TillCore"]),
        /// The durable store: SQLite WAL, one writer with group commit, reader threads, the router (op → handler).
        .target(name: "TillStore", dependencies: ["TillCore", "TillProtocol", "TillIO", "TillJournal", "CSQLite"]),
        /// Syscalls, sockets, epoll, eventfd and TLS: every Unsafe pointer of the network side lives here.
        .target(name: "TillIO", dependencies: ["TillCore", "CLinux", "COpenSSL"]),
        /// The ledger's write-ahead journal: segments, records with CRC-32C (SSE 4.2 through CLinux where the CPU has it),
        /// group commit, recovery scan. No SQLite.
        .target(name: "TillJournal", dependencies: ["TillIO", "CLinux"]),
        /// One argument parser for tilld, till and till-sim: a table per program drives parsing, help, completion and
        /// suggestions. Foundation only.
        .target(name: "TillCommandLine"),
        /// The daemon: reactor loops, sessions (in stages) handing requests to the router, config, logs, metrics.
        .target(name: "TillServer", dependencies: ["TillCore", "TillProtocol", "TillStore", "TillIO", "TillCommandLine"]),
        /// A client for terminals and operators, used by the CLI, the simulator and the tests.
        .target(name: "TillClient", dependencies: ["TillCore", "TillProtocol", "TillIO"]),

        .executableTarget(name: "tilld", dependencies: ["TillServer", "TillProtocol"]),
        .executableTarget(name: "till", dependencies: ["TillClient", "TillIO", "TillCommandLine"]),
        /// The simulator's model: workload, histograms, verification, reports (pure, tested).
        .target(name: "TillSimulation", dependencies: ["TillCore", "TillProtocol", "TillIO", "TillClient", "TillCommandLine"], path: "simulators/TillSimulation"),
        .executableTarget(name: "till-sim", dependencies: ["TillSimulation", "TillClient", "TillIO", "TillProtocol", "TillCommandLine"], path: "simulators/till-sim"),
        /// The crash test's purchases, shared by its child process and TillStoreTests.
        .target(name: "TillCrashScenario", dependencies: ["TillCore", "TillProtocol"]),
        /// Crash-test child of TillStoreTests: writes until SIGKILLed, reporting acknowledged operations on stdout.
        .executableTarget(name: "till-store-crashchild", dependencies: ["TillStore", "TillCore", "TillProtocol", "TillCrashScenario", "TillStoreTesting"]),
        /// Durable write throughput of the store (release mode; results in bench/store.md).
        .executableTarget(name: "till-bench-store", dependencies: ["TillStore", "TillCore", "TillProtocol", "TillJournal", "TillStoreTesting"], path: "bench/StoreBench"),
        /// Member import and search speed of the back office on 1,000,000 members (release; bench/backoffice.md).
        .executableTarget(name: "till-bench-backoffice", dependencies: ["TillStore", "TillCore", "TillProtocol"], path: "bench/BackOfficeBench"),
        /// Memory per idle TLS connection: see bench/io.md.
        .executableTarget(name: "till-bench-io", dependencies: ["TillIO"], path: "bench/IOBench"),
        /// Codec speed against Foundation JSON: see bench/protocol.md.
        .executableTarget(name: "till-bench-protocol", dependencies: ["TillProtocol"], path: "bench/ProtocolBench"),

        /// Test machinery for the journal (a disk that fails syncs, fills up, or loses power). Never shipped.
        .target(name: "TillJournalTesting", dependencies: ["TillJournal"], path: "Tests/Support/TillJournalTesting"),
        /// Test machinery for the store: a SQLite VFS that loses unsynced writes at a power cut, the writer's faults and
        /// pause/resume gate (`WriterFaults`, through `WriterHooks`), and the minimal write requests of the writer's tests,
        /// crash child and floor benchmark (`RegisterMember`, `WalletCredit`). Never shipped.
        .target(name: "TillStoreTesting", dependencies: ["CSQLite", "TillCore", "TillStore", "TillJournalTesting"], path: "Tests/Support/TillStoreTesting"),
        /// Journal append, group commit and recovery speed (release; bench/journal.md).
        .executableTarget(name: "till-bench-journal", dependencies: ["TillJournal", "TillIO"], path: "bench/JournalBench"),
        .testTarget(name: "TillJournalTests", dependencies: ["TillJournal", "TillJournalTesting", "TillIO"]),
        .testTarget(name: "TillCoreTests", dependencies: ["TillCore"]),
        // Tests find protocol/examples through #filePath: the example frames stay where the spec is.
        .testTarget(name: "TillProtocolTests", dependencies: ["TillProtocol"]),
        .testTarget(name: "TillStoreTests", dependencies: ["TillStore", "TillProtocol", "TillCrashScenario", "TillStoreTesting", "TillJournal", "TillJournalTesting"]),
        .testTarget(name: "TillIOTests", dependencies: ["TillIO", "TillCore"]),
        .testTarget(name: "TillServerTests", dependencies: ["TillServer", "TillClient", "TillStoreTesting"]),
        // Each program's table parses its own help examples: the tables of tilld and till-sim live in their libraries,
        // till's in the executable (a testable executable).
        .testTarget(name: "TillCommandLineTests", dependencies: ["TillCommandLine", "TillServer", "TillSimulation", "till"]),
        .testTarget(name: "TillSimulationTests", dependencies: ["TillSimulation", "TillCore", "TillProtocol", "TillIO", "TillClient", "TillCommandLine"]),
    ],
    swiftLanguageModes: [.v6]
)
