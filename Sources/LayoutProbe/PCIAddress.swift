import LayoutCore
/// A PCI device as sysfs names it, `DDDD:BB:DD.F` (domain, bus, device, function).
package struct PCIAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    package let domain: UInt32
    package let bus: UInt8
    package let device: UInt8
    package let function: UInt8

    /// Accepts `0000:3b:00.0` and lspci's short `3b:00.0` (domain 0), in either case.
    package init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        let domainText = parts.count == 3 ? parts[0] : "0000"
        let busText = parts[parts.count - 2]
        let slot = parts[parts.count - 1].split(separator: ".", omittingEmptySubsequences: false)
        guard slot.count == 2 else { return nil }
        func hex<T: FixedWidthInteger>(_ field: Substring, digits: ClosedRange<Int>, max: T) -> T? {
            guard digits.contains(field.count), field.allSatisfy(\.isHexDigit), let value = T(field, radix: 16), value <= max else { return nil }
            return value
        }
        guard let domain = hex(domainText, digits: 4...8, max: UInt32.max),
              let bus = hex(busText, digits: 2...2, max: UInt8.max),
              let device = hex(slot[0], digits: 2...2, max: UInt8(0x1f)),
              let function = hex(slot[1], digits: 1...1, max: UInt8(7)) else { return nil }
        self.domain = domain
        self.bus = bus
        self.device = device
        self.function = function
    }

    package var description: String {
        func pad(_ value: some BinaryInteger, _ width: Int) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(domain, 4)):\(pad(bus, 2)):\(pad(device, 2)).\(function)"
    }

    package static func < (lhs: PCIAddress, rhs: PCIAddress) -> Bool {
        (lhs.domain, lhs.bus, lhs.device, lhs.function) < (rhs.domain, rhs.bus, rhs.device, rhs.function)
    }
}
