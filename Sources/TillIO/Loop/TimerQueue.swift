/// Deadline-ordered timers as a binary min-heap, driven by explicit `now` values (nanoseconds on any monotonic
/// scale), so it is tested without a clock. Cancellation is O(1): cancelled entries are skipped when they surface.
struct TimerQueue<Action> {
    private struct Entry {
        let deadline: UInt64
        let id: UInt64
    }

    private var heap: [Entry] = []
    private var actions: [UInt64: Action] = [:]

    var count: Int { actions.count }

    mutating func schedule(id: UInt64, deadline: UInt64, _ action: Action) {
        actions[id] = action
        heap.append(Entry(deadline: deadline, id: id))
        siftUp(heap.count - 1)
    }

    @discardableResult
    mutating func cancel(id: UInt64) -> Bool { actions.removeValue(forKey: id) != nil }

    /// The earliest live deadline, dropping cancelled heads.
    mutating func nextDeadline() -> UInt64? {
        while let head = heap.first {
            if actions[head.id] != nil { return head.deadline }
            popHead()
        }
        return nil
    }

    /// Removes and returns the actions due at `now`, earliest first (ties in scheduling order).
    mutating func popDue(now: UInt64) -> [Action] {
        var due: [Action] = []
        while let head = heap.first, head.deadline <= now {
            popHead()
            if let action = actions.removeValue(forKey: head.id) { due.append(action) }
        }
        return due
    }

    private mutating func popHead() {
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
    }

    private func less(_ a: Entry, _ b: Entry) -> Bool { (a.deadline, a.id) < (b.deadline, b.id) }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && less(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && less(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
