/// Address arithmetic that reports overflow instead of wrapping or trapping.
///
/// A wrapped address is a silently wrong layout, and a trap is a crash; either is worse than an
/// error that names the computation.
package struct ArithmeticOverflow: Error, Sendable, CustomStringConvertible {
    package let operation: String
    package var description: String { "address arithmetic overflowed 64 bits: \(operation)" }
}

extension UInt64 {
    package func checkedAdd(_ other: UInt64, _ what: @autoclosure () -> String = "") throws -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        if overflow { throw ArithmeticOverflow(operation: "\(Hex.format(self)) + \(Hex.format(other)) \(what())") }
        return sum
    }

    package func checkedSub(_ other: UInt64, _ what: @autoclosure () -> String = "") throws -> UInt64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        if overflow { throw ArithmeticOverflow(operation: "\(Hex.format(self)) - \(Hex.format(other)) \(what())") }
        return difference
    }

    package func checkedMul(_ other: UInt64, _ what: @autoclosure () -> String = "") throws -> UInt64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        if overflow { throw ArithmeticOverflow(operation: "\(self) * \(other) \(what())") }
        return product
    }

    /// Rounds up to a multiple of `alignment` (a power of two), as QEMU's ROUND_UP does.
    package func alignedUp(_ alignment: UInt64) throws -> UInt64 {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
        let rounded = try checkedAdd(alignment - 1, "rounding up to \(Hex.format(alignment))")
        return rounded & ~(alignment - 1)
    }

    /// Rounds down to a multiple of `alignment` (a power of two).
    package func alignedDown(_ alignment: UInt64) -> UInt64 {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
        return self & ~(alignment - 1)
    }

    package var isPowerOfTwo: Bool { self != 0 && self & (self - 1) == 0 }

    /// The number of address bits needed to reach this address: 2^bits > self.
    package var bitsToAddress: Int { self == 0 ? 1 : 64 - leadingZeroBitCount }
}

package enum Sizes {
    package static let kib: UInt64 = 1 << 10
    package static let mib: UInt64 = 1 << 20
    package static let gib: UInt64 = 1 << 30
    package static let tib: UInt64 = 1 << 40

    /// 2^bits as a limit, or nil for 64 bits (the whole space, which has no first address beyond it).
    package static func limit(bits: Int) -> UInt64? { bits >= 64 ? nil : UInt64(1) << UInt64(bits) }
}
