/// Exact integer arithmetic for money, points and quantities.
///
/// Guarantees: no floating point; products are computed full width, so `a × b / c` never overflows in between.
public enum Arithmetic {
    /// `(a × b) / c` and its remainder, for `a, b >= 0`, `c > 0`.
    public static func mulDiv(_ a: Int64, _ b: Int64, _ c: Int64) -> (quotient: Int64, remainder: Int64) {
        precondition(a >= 0 && b >= 0 && c > 0, "mulDiv takes non-negative operands and a positive divisor")
        let product = UInt64(a).multipliedFullWidth(by: UInt64(b))
        let (q, r) = UInt64(c).dividingFullWidth(product)
        return (Int64(q), Int64(r))
    }

    /// `floor(a × b / c)` for non-negative operands.
    public static func floorMulDiv(_ a: Int64, _ b: Int64, _ c: Int64) -> Int64 { mulDiv(a, b, c).quotient }

    /// `(a × b) / c` and its remainder when the quotient is at most `limit`; nil when it is larger (never traps:
    /// the quotient is checked before it is narrowed). For `a, b >= 0`, `c > 0`, `limit >= 0`.
    public static func mulDiv(_ a: Int64, _ b: Int64, _ c: Int64, atMost limit: Int64) -> (quotient: Int64, remainder: Int64)? {
        precondition(a >= 0 && b >= 0 && c > 0 && limit >= 0, "mulDiv takes non-negative operands and a positive divisor")
        let product = UInt64(a).multipliedFullWidth(by: UInt64(b))
        guard product.high < UInt64(c) else { return nil }  // the quotient would not fit 64 bits
        let (q, r) = UInt64(c).dividingFullWidth(product)
        guard q <= UInt64(limit) else { return nil }
        return (Int64(q), Int64(r))
    }

    /// `a + b` when the sum is at most `limit`; nil when it is larger or overflows. For `a, b >= 0`.
    public static func add(_ a: Int64, _ b: Int64, atMost limit: Int64) -> Int64? {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow || sum > limit ? nil : sum
    }

    /// Line gross: `quantity (thousandths) × unitPrice / 1000`, rounded half-up.
    public static func lineGross(quantity: Quantity, unitPrice: MinorUnits) -> MinorUnits {
        let (q, r) = mulDiv(quantity.thousandths, unitPrice, 1000)
        return r >= 500 ? q + 1 : q
    }

    /// Splits `amount` over `weights` in proportion, by largest remainder: each share is
    /// `floor(amount × w / W)`, then the units left go one each to the largest remainders, the earlier index first
    /// on ties. The shares add up to `amount` exactly. All zero weights: everything to index 0 (never happens for
    /// callers that check `W > 0`).
    public static func allocate(_ amount: Int64, weights: [Int64]) -> [Int64] {
        guard !weights.isEmpty else { return [] }
        let total = weights.reduce(0, +)
        guard total > 0 else {
            var shares = [Int64](repeating: 0, count: weights.count)
            shares[0] = amount
            return shares
        }
        var shares = [Int64]()
        var remainders = [Int64]()
        shares.reserveCapacity(weights.count)
        remainders.reserveCapacity(weights.count)
        var left = amount
        for w in weights {
            let (q, r) = mulDiv(amount, w, total)
            shares.append(q)
            remainders.append(r)
            left -= q
        }
        guard left > 0 else { return shares }  // nothing to hand out: no ranking of remainders needed
        // `left` is below the number of weights. The largest remainder first, the earlier index on ties: for a few
        // units one pass per unit (a unit's line is marked by a -1 remainder), else one sort.
        if left <= 8 {
            while left > 0 {
                var best = 0
                for i in remainders.indices where remainders[i] > remainders[best] { best = i }
                shares[best] += 1
                remainders[best] = -1
                left -= 1
            }
            return shares
        }
        var order = Array(weights.indices)
        order.sort { remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1] : $0 < $1 }
        var k = 0
        while left > 0 {
            shares[order[k]] += 1
            left -= 1
            k += 1
        }
        return shares
    }
}
