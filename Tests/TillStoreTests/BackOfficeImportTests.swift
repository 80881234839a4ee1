import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// `member.import`: NDJSON and CSV, bad rows reported by line without losing the good ones.
@Suite struct BackOfficeImportTests {
    @Test func badRowsAreReportedWithLineNumbersAndGoodOnesKept() throws {
        let f = try OfficeFixture()
        let rows = """
            {"firstName":"Eva","phone":"0160 1111111","points":120,"tags":["VIP"]}
            {"firstName":"Bad phone","phone":"12"}
            not json

            {"firstName":"Dup","email":"anna@example.com"}
            {"firstName":"Fay","email":"fay@example.com","birthday":"1990-13-01"}
            {"memberKey":"M00000002","lastName":"Berg"}
            {"firstName":"Gus","cards":["C-77"],"credit":500}
            """
        let r = try f.imported(MemberImport(rows: rows, firstLine: 10))
        #expect(r.created == 2 && r.updated == 1)
        #expect(r.errors.map(\.row) == [11, 12, 14, 15])
        #expect(r.errors.map(\.field) == ["phone", "line", "email", "birthday"])
        let eva = try f.members("+491601111111")[0]
        let p = try f.profile(.memberGet(MemberRef(memberKey: eva.memberKey)))
        #expect(p.balance.points == 120 && p.tags == ["VIP"] && p.registrationSource == "import")
        #expect(try f.profile(.memberGet(MemberRef(memberKey: "M00000002"))).fields.lastName == "Berg")
        #expect(try f.store.verify().isSound)
    }

    @Test func csvWithQuotedFields() throws {
        let f = try OfficeFixture()
        let rows = """
            firstName,lastName,email,tags,points
            "Ida","O""Neil",ida@example.com,VIP;vip,10
            Jon,,jon@example.com,,x
            Kai,Lee,kai@example.com
            """
        let r = try f.imported(MemberImport(rows: rows, format: .csv))
        #expect(r.created == 1)
        #expect(r.errors.map(\.row) == [3, 4])
        let ida = try f.profile(.memberGet(MemberRef(memberKey: try f.members("ida@example.com")[0].memberKey)))
        #expect(ida.fields.lastName == "O\"Neil" && ida.tags == ["VIP", "vip"] && ida.balance.points == 10)
    }

    @Test func dryRunWritesNothing() throws {
        let f = try OfficeFixture()
        let r = try f.imported(MemberImport(rows: "{\"firstName\":\"Lou\"}\n{\"phone\":\"x\"}\n", dryRun: true))
        #expect(r.created == 1 && r.errors.count == 1)
        #expect(try f.sql("SELECT count(*) FROM members") == 3)
    }

    @Test func wholeFileStreamsInChunksWithProgress() throws {
        let f = try OfficeFixture()
        let lines = (1...5_000).map { i in i == 2_500 ? "{\"phone\":\"bad\"}" : "{\"firstName\":\"P\(i)\",\"email\":\"p\(i)@example.com\"}" }
        let progress = OfficeCounter()
        let r = try f.office.importer(operatorId: f.operatorId, operatorName: "alice")
            .importFile(lines, format: .ndjson, chunkSize: 1_000) { _, _ in _ = progress.next() }
        #expect(r.created == 4_999)
        #expect(r.errors.map(\.row) == [2_500])
        #expect(progress.count == 5)
        #expect(try f.members("p4999@example.com").count == 1)
    }

    /// New members of a chunk are written together: rows still see the rows queued before them.
    @Test func rowsOfOneChunkSeeEachOther() throws {
        let f = try OfficeFixture()
        let rows = """
            {"memberKey":"K1","firstName":"Ola","phone":"0170 5550001","points":30,"credit":200}
            {"memberKey":"K2","firstName":"Pia","phone":"+49 170 5550001"}
            {"memberKey":"K3","firstName":"Rut","email":"rut@example.com","cards":["C-9","C-9"]}
            {"memberKey":"K1","lastName":"Nord","email":"ola@example.com"}
            {"memberKey":"K4","firstName":"Sam","email":"OLA@example.com","tags":["a","a","b"]}
            {"memberKey":"K5","firstName":" Tim ","lastName":"Tau","email":"tim@example.com","points":5}
            """
        let r = try f.imported(MemberImport(rows: rows, firstLine: 1))
        #expect(r.created == 2 && r.updated == 1)
        #expect(r.errors.map(\.row) == [2, 3, 5])
        #expect(r.errors.map(\.field) == ["phone", "cards", "email"])
        let ola = try f.profile(.memberGet(MemberRef(memberKey: "K1")))
        #expect(ola.fields.lastName == "Nord" && ola.balance.points == 30 && ola.registrationSource == "import")
        #expect(try f.members("ola@example.com").first?.memberKey == "K1")
        #expect(try f.members("Ola Nord").first?.memberKey == "K1")
        #expect(try f.members("Tim  Tau").first?.memberKey == "K5")  // as SQL trim(first || ' ' || last)
        #expect(try f.members("5550001").map(\.memberKey) == ["K1"])
        #expect(try f.profile(.memberGet(MemberRef(memberKey: "K5"))).balance.points == 5)
        #expect(try f.store.verify().isSound)
    }

    /// Identifiers are checked against the store and the rows before them, in file order: a row that updates an existing
    /// member changes what the rows after it may claim (the chunk's look-ups are redone after it).
    @Test func identifiersAreCheckedAgainstStoreAndChunkInFileOrder() throws {
        let f = try OfficeFixture()
        let rows = #"""
            {"memberKey":"N1","firstName":"Nia","phone":"+4915112345678"}
            {"memberKey":"N2","firstName":"Ned","email":"ned@example.com"}
            {"memberKey":"N3","firstName":"Nor","email":"NED@example.com"}
            {"memberKey":"M00000002","phone":"0151 99990000"}
            {"memberKey":"N5","firstName":"Nils","phone":"+4915112345679"}
            {"memberKey":"N6","firstName":"Noa","phone":"+49 151 99990000"}
            {"memberKey":"N7","firstName":"Nox","cards":["C0000000003"]}
            {"memberKey":"q\"uo\\te","firstName":"Quo","email":"quo@example.com"}
            {"memberKey":"q\"uo\\te","lastName":"Te"}
            {"memberKey":"N10","firstName":"Nell","phone":"0151 77770000","email":"nell@example.com","points":7}
            """#
        let r = try f.imported(MemberImport(rows: rows, firstLine: 1))
        #expect(r.created == 4 && r.updated == 2)
        #expect(r.errors.map(\.row) == [1, 3, 6, 7])
        #expect(r.errors.map(\.field) == ["phone", "email", "phone", "cards"])
        #expect(try f.members("+4915112345679").map(\.memberKey) == ["N5"])  // Ben's old phone, released by line 4
        #expect(try f.members("+4915199990000").map(\.memberKey) == ["M00000002"])
        #expect(try f.profile(.memberGet(MemberRef(memberKey: "q\"uo\\te"))).fields.lastName == "Te")
        #expect(try f.members("Quo Te").first?.memberKey == "q\"uo\\te")
        #expect(try f.profile(.memberGet(MemberRef(memberKey: "N10"))).balance.points == 7)
        #expect(try f.store.verify().isSound)
    }

    /// Across chunks of a streamed file: line numbers of the whole file, later chunks see earlier ones, and imported
    /// members are found by exact and contains search (names, phone, email), also after later changes.
    @Test func streamedChunksKeepLineNumbersAndImportedMembersAreSearchable() throws {
        let f = try OfficeFixture()
        let lines = [
            #"{"memberKey":"R1","firstName":"Rolf","phone":"0170 1000001"}"#,
            "not json",
            #"{"memberKey":"R2","firstName":"Rita","phone":"0170 1000001"}"#,
            #"{"memberKey":"R3","firstName":"Rudi","lastName":"Rabe","email":"rudi@example.com"}"#,
            #"{"memberKey":"R4","firstName":"Ruth","email":"RUDI@example.com"}"#,
            #"{"memberKey":"R1","lastName":"Rost"}"#,
            #"{"memberKey":"R5","firstName":"Rosa","birthday":"1990-2-30"}"#,
            #"{"memberKey":"R6","firstName":"Ralf","phone":"+49 170 1000001"}"#,
            #"{"memberKey":"R7","firstName":"Rena","email":"rena@example.com","credit":300}"#,
        ]
        let r = try f.office.importer(operatorId: f.operatorId, operatorName: "alice").importFile(lines, format: .ndjson, chunkSize: 3)
        #expect(r.created == 3 && r.updated == 1)
        #expect(r.errors.map(\.row) == [2, 3, 5, 7, 8])
        #expect(try f.members("+491701000001").map(\.memberKey) == ["R1"])  // exact (phone as typed at the POS)
        #expect(try f.members("1000001").map(\.memberKey) == ["R1"])        // contains
        #expect(try f.members("Rolf Rost").map(\.memberKey) == ["R1"])      // names updated by a later chunk
        #expect(try f.members("rudi@example.com").map(\.memberKey) == ["R3"])
        #expect(try f.members("udi@exa").map(\.memberKey) == ["R3"])
        #expect(try f.members("Rabe").map(\.memberKey) == ["R3"])
        #expect(try f.members("R7").map(\.memberKey) == ["R7"])
        // Identifiers claimed after the import are searchable too (the identifiers trigger updates imported members' rows).
        _ = try f.profile(.cardAdd(CardChange(memberKey: "R3", card: "C-4242")))
        #expect(try f.members("C-4242").map(\.memberKey) == ["R3"])
        #expect(try f.members("4242").map(\.memberKey) == ["R3"])
        #expect(try f.profile(.memberGet(MemberRef(memberKey: "R7"))).balance.credit == 300)
        #expect(try f.store.verify().isSound)
    }

    @Test func jsonTextEscapes() {
        #expect(JSONText.array([]) == "[]")
        #expect(JSONText.array(["a\"b", "c\\d", "e\u{1}f", "ü"]) == #"["a\"b","c\\d","e\u0001f","ü"]"#)
    }
}
