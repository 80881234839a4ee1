import Testing
@testable import TillStore

/// `OldestFirst`, the bounded map behind the writer's `HotAccounts`: never more than its limit, the oldest key dropped
/// for a new one, and what it holds always what was set last.
@Suite struct OldestFirstTests {
    @Test func aNewKeyDropsTheOldest() {
        var map = OldestFirst<Int, String>(limit: 3)
        for key in 1...3 { map.set("v\(key)", for: key) }
        map.set("v1'", for: 1)  // an update is not a new key: nothing dropped
        #expect(map.count == 3 && map[1] == "v1'")
        map.set("v4", for: 4)
        #expect(map[1] == nil && map[2] == "v2" && map[3] == "v3" && map[4] == "v4")
        map.set("v5", for: 5)
        #expect(map[2] == nil && map.count == 3)
        map.remove(3)
        map.set("v6", for: 6)  // room left by the removal: nothing dropped
        #expect(map[4] == "v4" && map[5] == "v5" && map[6] == "v6" && map.count == 3)
        map.removeAll()
        #expect(map.count == 0 && map[4] == nil)
    }

    /// Seeded random sets, updates and removals against a plain dictionary: the map holds exactly the model's keys
    /// once the keys it dropped leave the model, drops exactly one present key for a new key when full and none
    /// otherwise, and never holds more than its limit — across many compactions of its insertion order.
    @Test func randomOperationsMatchTheModel() {
        var random = SplitMix64(state: 77)
        let limit = 500
        var map = OldestFirst<Int, Int>(limit: limit)
        var model: [Int: Int] = [:]
        for step in 0..<60_000 {
            let key = Int(random.next() % 3_000)
            if random.next() % 4 == 0 {
                map.remove(key)
                model[key] = nil
            } else {
                let isNew = model[key] == nil
                let full = model.count >= limit
                map.set(step, for: key)
                model[key] = step
                let dropped = model.keys.filter { map[$0] == nil }
                #expect(dropped.count == (isNew && full ? 1 : 0), "step \(step)")
                for d in dropped { model[d] = nil }
            }
            #expect(map.count == model.count && map.count <= limit)
            if step % 10_000 == 0 {
                #expect(model.allSatisfy { map[$0.key] == $0.value })
            }
        }
    }
}
