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
        #expect(r.errors.map(\.field) == ["phone", nil, "email", "birthday"])
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
}
