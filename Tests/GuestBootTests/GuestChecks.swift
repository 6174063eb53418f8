// The promises a layout makes that only a running guest can confirm. Each check returns the list of
// problems (empty = the guest agrees with the layout), so a test can show all of them at once and
// a test that expects failure can assert which one fired.

import Foundation

enum GuestChecks {
    /// Firmware keeps some boot RAM below 4 GiB for itself (SeaBIOS: 128 KiB at the top of low RAM
    /// and the EBDA; OVMF: ACPI tables/NVS and reserved pages, ~10 MiB measured; AAVMF: ~7 MiB).
    /// More than this means the guest lost RAM the layout counted on.
    static let maximumFirmwareCarveOut: UInt64 = 64 * .MiB

    /// Every problem the report shows for `layout`; `withHotAdd` includes the hot-added DIMMs.
    static func problems(_ report: GuestReport, layout: GuestBootLayout, withHotAdd: Bool) -> [String] {
        var problems: [String] = []
        let dimms = layout.coldDIMMRanges + (withHotAdd ? layout.hotAddRanges : [])
        let predicted = normalize(layout.bootRAM + dimms)
        let ram = normalize(report.systemRAM)

        if report.blockSize != layout.blockSize {
            problems.append("guest memory block size 0x\(hex(report.blockSize)), layout assumed 0x\(hex(layout.blockSize))")
        }
        // Nothing else is RAM.
        for extra in subtract(ram, predicted) {
            problems.append("guest has System RAM at \(extra) that the layout does not predict")
        }
        // The firmware's own map (x86 /sys/firmware/memmap: e820 plus hot-added ranges) agrees.
        let firmwareRAM = normalize(report.firmwareMap.filter { $0.type == "System RAM" }.map(\.range))
        for extra in subtract(firmwareRAM, predicted) {
            problems.append("firmware memory map has RAM at \(extra) that the layout does not predict")
        }
        // Every predicted byte is RAM, except what firmware keeps of boot RAM below 4 GiB.
        // What firmware keeps shows up in /proc/iomem under the e820/UEFI type names (Linux
        // arch/x86/kernel/e820.c:e820_type_to_string, "reserved" on arm64): anything else there,
        // e.g. the PCI window, means the layout predicted RAM the machine does not have.
        let firmwareOwned = normalize(report.iomem.filter { $0.depth == 0 && Self.firmwareNames.contains($0.name) }.map(\.range))
        var carvedOut: UInt64 = 0
        for missing in subtract(predicted, ram) {
            let inBootRAMBelow4G = layout.bootRAM.contains { $0.contains(missing) && $0.last < (1 << 32) }
            if inBootRAMBelow4G {
                let (sum, overflow) = carvedOut.addingReportingOverflow(missing.size ?? .max)
                carvedOut = overflow ? .max : sum
                for stray in subtract([missing], firmwareOwned) {
                    problems.append("layout RAM \(stray) is neither System RAM nor kept by firmware in the guest (iomem: \(occupants(of: stray, in: report)))")
                }
            } else {
                problems.append("layout RAM \(missing) is not System RAM in the guest (iomem: \(occupants(of: missing, in: report)))")
            }
        }
        if carvedOut > maximumFirmwareCarveOut {
            problems.append("firmware kept 0x\(hex(carvedOut)) bytes of boot RAM below 4 GiB (limit 0x\(hex(maximumFirmwareCarveOut)))")
        }
        // Every DIMM byte is in a memory block that is online (memhp_default_state=online).
        let online = Set(report.blocks.filter(\.online).map(\.index))
        let present = Set(report.blocks.map(\.index))
        for block in report.blocks where !block.online {
            problems.append("memory block \(block.index) is offline")
        }
        if report.blockSize > 0 {
            for range in ram {
                for index in (range.first / report.blockSize)...(range.last / report.blockSize) where !online.contains(index) {
                    problems.append("memory block \(index) (System RAM \(range)) is \(present.contains(index) ? "offline" : "missing")")
                }
            }
        }
        // 64-bit BARs: inside the predicted hole and below 2^phys-bits.
        let limit: UInt64 = layout.physBits >= 64 ? .max : (1 << UInt64(layout.physBits)) - 1
        let high = report.pci.filter { $0.isMemory && $0.range.last >= (1 << 32) }
        for bar in high {
            if !layout.pciHole64.contains(bar.range) {
                problems.append("BAR \(bar.bar) of \(bar.device) at \(bar.range) is outside pci-hole64 \(layout.pciHole64)")
            }
            if bar.range.last > limit {
                problems.append("BAR \(bar.bar) of \(bar.device) at \(bar.range) is above 2^\(layout.physBits)")
            }
        }
        if layout.largeBARSize > 0 && !high.contains(where: { $0.is64Bit && $0.range.size == layout.largeBARSize }) {
            problems.append("no 64-bit BAR of 0x\(hex(layout.largeBARSize)) bytes above 4 GiB (pci: \(report.pci.map { "\($0.device)/\($0.bar) \($0.range)" }))")
        }
        return problems
    }

    /// The guest's 64-bit root-bus windows (top-level "PCI Bus" entries above 4 GiB, from QEMU's
    /// ACPI _CRS) that leave the predicted hole or 2^phys-bits. Not part of `problems`: QEMU publishes
    /// the window from where the firmware put its first 64-bit BAR or aperture, [w64 start,
    /// w64 start + pci-hole64-size) (hw/pci-host/q35.c, i440fx.c *_get_pci_hole64_start/end), so it
    /// is shifted up past the predicted end with every firmware measured; BARs assigned later
    /// (hotplug, Linux reassignment) may land there.
    static func windowProblems(_ report: GuestReport, layout: GuestBootLayout) -> [String] {
        let limit: UInt64 = layout.physBits >= 64 ? .max : (1 << UInt64(layout.physBits)) - 1
        var problems: [String] = []
        for window in report.iomem where window.depth == 0 && window.name.hasPrefix("PCI Bus") && window.range.last >= (1 << 32) {
            if !layout.pciHole64.contains(window.range) {
                problems.append("64-bit PCI window \(window.range) leaves the predicted pci-hole64 \(layout.pciHole64)")
            }
            if window.range.last > limit {
                problems.append("64-bit PCI window \(window.range) reaches above 2^\(layout.physBits)")
            }
        }
        return problems
    }

    static let firmwareNames: Set<String> = ["Reserved", "reserved", "ACPI Tables", "ACPI Non-volatile Storage",
                                             "System ROM", "Video ROM", "Adapter ROM"]

    /// Sorted, with overlapping or adjacent ranges merged.
    static func normalize(_ ranges: [GuestRange]) -> [GuestRange] {
        var out: [GuestRange] = []
        for r in ranges.sorted() {
            if let last = out.last, last.last == .max || r.first <= last.last + 1 {
                out[out.count - 1].last = max(last.last, r.last)
            } else {
                out.append(r)
            }
        }
        return out
    }

    /// Bytes of `a` not in `b`.
    static func subtract(_ a: [GuestRange], _ b: [GuestRange]) -> [GuestRange] {
        var result: [GuestRange] = []
        for r in normalize(a) {
            var pieces = [r]
            for cut in normalize(b) {
                pieces = pieces.flatMap { p -> [GuestRange] in
                    if cut.last < p.first || cut.first > p.last { return [p] }
                    var left: [GuestRange] = []
                    if cut.first > p.first { left.append(GuestRange(first: p.first, last: cut.first - 1)) }
                    if cut.last < p.last { left.append(GuestRange(first: cut.last + 1, last: p.last)) }
                    return left
                }
            }
            result += pieces
        }
        return result
    }

    static func occupants(of range: GuestRange, in report: GuestReport) -> String {
        let hits = report.iomem.filter { $0.depth == 0 && $0.range.last >= range.first && $0.range.first <= range.last }
        return hits.isEmpty ? "nothing" : hits.map { "\($0.range) \($0.name)" }.joined(separator: ", ")
    }

    static func hex(_ v: UInt64) -> String { String(v, radix: 16) }
}
