import TillCore

/// Keeps every answer within the frame limit of the session it goes to (the `maxFrameSize` announced in `hello`).
///
/// Guarantees: an answer that fits is encoded unchanged. One that does not has its lists that grow with history cut
/// until it fits, the least useful entries first, and says how many it left out: `identify` and `quote` benefits (the
/// last listed go first), `status` and `purchase.get` reversals (the oldest go first), a profile's notes and status
/// history (the oldest go first). A read that still does not fit is refused with `not_allowed` (a read writes
/// nothing); a write's answer is sent whole (it was committed: refusing it would say it was not), and the outcome says
/// so for the log. Cost: one encoding when the answer fits; O(log n) encodings otherwise.
public enum AnswerBound {
    public enum Outcome: Equatable, Sendable {
        /// Encoded unchanged.
        case fits
        /// Lists were cut to fit.
        case trimmed
        /// A read that could not be cut to fit: answered `not_allowed` instead.
        case refused(bytes: Int)
        /// A write's answer larger than the limit, sent whole.
        case oversized(bytes: Int)
    }

    /// The frame (length prefix included) to send for `response` to a session whose frames are at most `limit` bytes.
    public static func encode(
        _ response: ResponseEnvelope, limit: Int, isWrite: Bool, codec: ServerCodec
    ) -> (frame: [UInt8], outcome: Outcome) {
        let whole = codec.encodeResponse(response)
        if whole.count - 4 <= limit { return (whole, .fits) }
        guard case .success(let result) = response.outcome, let id = response.id, let op = response.op,
              let longest = longestList(result), longest > 0
        else { return refuse(response, bytes: whole.count - 4, limit: limit, isWrite: isWrite, whole: whole, codec: codec) }
        // The largest `keep` (entries kept per list) whose encoding fits: fits(keep) is monotonic in `keep`.
        var low = 0, high = longest - 1
        var best: [UInt8]? = nil
        while low <= high {
            let keep = (low + high) / 2
            let frame = codec.encodeResponse(ResponseEnvelope(id: id, op: op, result: trimmed(result, keep: keep)))
            if frame.count - 4 <= limit {
                best = frame
                low = keep + 1
            } else {
                high = keep - 1
            }
        }
        if let best { return (best, .trimmed) }
        return refuse(response, bytes: whole.count - 4, limit: limit, isWrite: isWrite, whole: whole, codec: codec)
    }

    private static func refuse(
        _ response: ResponseEnvelope, bytes: Int, limit: Int, isWrite: Bool, whole: [UInt8], codec: ServerCodec
    ) -> (frame: [UInt8], outcome: Outcome) {
        if isWrite { return (whole, .oversized(bytes: bytes)) }
        let error = TillError.notAllowed(
            field: nil, reason: "the answer (\(bytes) bytes) exceeds this session's frame limit (\(limit) bytes)")
        return (codec.encodeResponse(ResponseEnvelope(id: response.id, op: response.op, error: error)), .refused(bytes: bytes))
    }

    /// The length of the longest list `trimmed` may cut, or nil when the answer has none.
    static func longestList(_ result: Response) -> Int? {
        switch result {
        case .identify(let r): r.members.map(\.benefits.count).max()
        case .quote(let q): q.benefits.count
        case .status(let s): s.reversals.count
        case .operator(.ticket(let t)): t.reversals.count
        case .operator(.member(let p)): max(p.notes.count, p.statusHistory.count)
        default: nil
        }
    }

    /// `result` with each list cut to at most `keep` entries, and the counts left out added to its `…Omitted` fields.
    static func trimmed(_ result: Response, keep: Int) -> Response {
        switch result {
        case .identify(var r):
            for i in r.members.indices {
                var member = r.members[i]
                var omitted = member.benefitsOmitted
                cutTail(&member.benefits, keep: keep, omitted: &omitted)
                member.benefitsOmitted = omitted
                r.members[i] = member
            }
            return .identify(r)
        case .quote(var q):
            var omitted = q.benefitsOmitted
            cutTail(&q.benefits, keep: keep, omitted: &omitted)
            q.benefitsOmitted = omitted
            return .quote(q)
        case .status(var s):
            var omitted = s.reversalsOmitted
            cutHead(&s.reversals, keep: keep, omitted: &omitted)
            s.reversalsOmitted = omitted
            return .status(s)
        case .operator(.ticket(var t)):
            var omitted = t.reversalsOmitted
            cutHead(&t.reversals, keep: keep, omitted: &omitted)
            t.reversalsOmitted = omitted
            return .operator(.ticket(t))
        case .operator(.member(var p)):
            var notesOmitted = p.notesOmitted, historyOmitted = p.statusHistoryOmitted
            cutTail(&p.notes, keep: keep, omitted: &notesOmitted)  // newest first
            cutHead(&p.statusHistory, keep: keep, omitted: &historyOmitted)  // oldest first
            (p.notesOmitted, p.statusHistoryOmitted) = (notesOmitted, historyOmitted)
            return .operator(.member(p))
        default:
            return result
        }
    }

    /// Keeps the first `keep` entries.
    private static func cutTail<T>(_ list: inout [T], keep: Int, omitted: inout Int64) {
        guard list.count > keep else { return }
        omitted += Int64(list.count - keep)
        list.removeLast(list.count - keep)
    }

    /// Keeps the last `keep` entries.
    private static func cutHead<T>(_ list: inout [T], keep: Int, omitted: inout Int64) {
        guard list.count > keep else { return }
        omitted += Int64(list.count - keep)
        list.removeFirst(list.count - keep)
    }
}
