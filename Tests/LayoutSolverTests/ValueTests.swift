import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver
import FleetGenerator

@Suite("Addresses, ranges and sizes")
struct ValueTests {
    @Test func rangeSizeAndEnd() {
        let range = AddressRange(start: 0xfee0_0000, last: 0xfeef_ffff)!
        #expect(range.size == 0x10_0000)
        #expect(range.end == 0xfef0_0000)
        #expect(AddressRange(start: 0, last: .max)!.size == nil)
        #expect(AddressRange(start: 5, last: 4) == nil)
        #expect(AddressRange(start: .max, size: 2) == nil)
        #expect(AddressRange(start: 0, size: 0) == nil)
        #expect(AddressRange(start: .max, size: 1)!.end == nil)
    }

    @Test func setMergesOverlappingAndTouchingRanges() {
        let set = AddressSet([
            AddressRange(start: 10, last: 20)!, AddressRange(start: 0, last: 4)!, AddressRange(start: 21, last: 30)!,
            AddressRange(start: 15, last: 25)!, AddressRange(start: 100, last: .max)!,
        ])
        #expect(set.ranges == [AddressRange(start: 0, last: 4)!, AddressRange(start: 10, last: 30)!, AddressRange(start: 100, last: .max)!])
        #expect(set.contains(4) && !set.contains(5) && set.contains(.max))
        #expect(set.firstAddress(atOrAfter: 5) == 10)
        #expect(set.firstAddress(atOrAfter: 31) == 100)
    }

    @Test func gapsAreTheComplementWithinBounds() {
        let set = AddressSet([AddressRange(start: 10, last: 19)!, AddressRange(start: 30, last: 39)!])
        #expect(set.gaps(within: AddressRange(start: 0, last: 50)!) == [
            AddressRange(start: 0, last: 9)!, AddressRange(start: 20, last: 29)!, AddressRange(start: 40, last: 50)!,
        ])
        #expect(set.gaps(within: AddressRange(start: 12, last: 35)!) == [AddressRange(start: 20, last: 29)!])
        #expect(set.gaps(within: AddressRange(start: 10, last: 19)!) == [])
        let top = AddressSet([AddressRange(start: 0, last: 9)!])
        #expect(top.gaps(within: AddressRange(start: 0, last: .max)!) == [AddressRange(start: 10, last: .max)!])
        #expect(AddressSet().gaps(within: AddressRange(start: 0, last: .max)!) == [AddressRange(start: 0, last: .max)!])
    }

    @Test func gapsAgreeWithAPointwiseDefinition() {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let ranges = (0..<Int.random(in: 0...6, using: &generator)).map { _ -> AddressRange in
                let start = UInt64.random(in: 0...120, using: &generator)
                return AddressRange(start: start, last: start + UInt64.random(in: 0...10, using: &generator))!
            }
            let set = AddressSet(ranges)
            let bounds = AddressRange(start: UInt64.random(in: 0...60, using: &generator), last: UInt64.random(in: 60...140, using: &generator))!
            let gaps = set.gaps(within: bounds)
            for address in bounds.start...bounds.last {
                let inSet = ranges.contains { $0.contains(address) }
                #expect(set.contains(address) == inSet)
                #expect(gaps.contains { $0.contains(address) } == !inSet)
            }
        }
    }

    static let sizeExamples: [(String, UInt64)] = [
        ("0x1f", 0x1f), ("4096", 4096), ("16G", 16 << 30), ("16GiB", 16 << 30), ("1T", 1 << 40), ("12g", 12 << 30),
        ("1K", 1024), ("2M", 2 << 20), ("1P", 1 << 50), ("0xffffffffffffffff", .max), ("0x0000000000000000ff", 0xff), ("8B", 8),
    ]

    @Test(arguments: sizeExamples)
    func sizesParse(text: String, value: UInt64) {
        #expect(SizeSyntax.parse(text) == .success(value))
    }

    @Test func badSizesAreNamed() {
        #expect(SizeSyntax.parse("") == .failure(.empty))
        #expect(SizeSyntax.parse("-1G") == .failure(.negative))
        #expect(SizeSyntax.parse("1.5G") == .failure(.notANumber))
        #expect(SizeSyntax.parse("0x") == .failure(.notANumber))
        #expect(SizeSyntax.parse("0x1_0000") == .failure(.notANumber))
        #expect(SizeSyntax.parse("0x10000000000000000") == .failure(.tooLarge))
        #expect(SizeSyntax.parse("16385P") == .failure(.tooLarge))
        #expect(SizeSyntax.parse("18446744073709551616") == .failure(.tooLarge))
        #expect(SizeSyntax.parse("G") == .failure(.notANumber))
    }

    @Test func humanAndQEMUSizes() {
        #expect(ByteCount.format(1100 << 30) == "1100 GiB")
        #expect(ByteCount.format(0x7ec0_0000) == "2028 MiB")
        #expect(ByteCount.format(0x7ec0_0001) == "1.98 GiB")
        #expect(ByteCount.format(1000) == "1000 B")
        #expect(ByteCount.qemuSize(4 << 30) == "4G")
        #expect(ByteCount.qemuSize(4_219_469_824) == "4024M")
        #expect(ByteCount.qemuSize(4_219_469_825) == "4219469825B")
        #expect(Hex.padded(0xfee0_0000) == "0x00000000fee00000")
    }

    @Test func checkedArithmeticReportsOverflow() throws {
        #expect(throws: ArithmeticOverflow.self) { try UInt64.max.checkedAdd(1) }
        #expect(throws: ArithmeticOverflow.self) { try UInt64(0).checkedSub(1) }
        #expect(throws: ArithmeticOverflow.self) { try UInt64.max.alignedUp(1 << 30) }
        #expect(try UInt64(0x1_0000_0001).alignedUp(1 << 30) == 0x1_4000_0000)
        #expect(UInt64(0x1_0000_0000).bitsToAddress == 33)
        #expect(UInt64(0xff_ffff_ffff).bitsToAddress == 40)
    }
}
