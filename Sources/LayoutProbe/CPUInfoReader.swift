import LayoutCore
/// What `/proc/cpuinfo` says that a host profile needs: the vendor, the physical address width
/// (x86 only: arm64 and s390x print none) and enough to tell the architecture.
package struct CPUInfo: Equatable, Sendable {
    /// x86 and s390 `vendor_id` (`GenuineIntel`, `AuthenticAMD`, `IBM/S390`).
    package var vendorID: String?
    package var modelName: String?
    /// The smallest `address sizes : N bits physical` of all processors.
    package var physBits: Int?
    /// arm64 `CPU implementer` (0x41 Arm, 0x48 HiSilicon, ...).
    package var implementer: UInt64?
    /// arm64 `CPU part`, for the source line.
    package var part: String?
    /// arm `CPU architecture`: 8 on arm64, 7 on a 32-bit kernel.
    package var cpuArchitecture: String?
    /// POWER `cpu` (`POWER9 (raw), altivec supported`).
    package var powerCPU: String?
    /// x86 `flags` holds `hypervisor`: the probed system is itself a virtual machine.
    package var isVirtualMachine = false
    /// x86 `flags` holds `lm` (long mode).
    package var hasLongMode = false

    package init() {}

    /// The architecture the file's shape implies; nil when it matches none this tool knows.
    package var inferredArch: HostProfile.Architecture? {
        if physBits != nil || Self.x86Vendors[vendorID ?? ""] != nil { return hasLongMode ? .x86_64 : nil }
        if implementer != nil { return cpuArchitecture == "8" || cpuArchitecture?.lowercased() == "aarch64" ? .aarch64 : nil }
        if vendorID == "IBM/S390" { return .s390x }
        if powerCPU?.hasPrefix("POWER") == true { return .ppc64le }
        return nil
    }

    /// The lowercase vendor word profiles use (`intel`, `amd`, `arm`, `hisilicon`, `ibm`).
    package var vendor: String? {
        if let vendorID {
            if let known = Self.x86Vendors[vendorID] { return known }
            if vendorID == "IBM/S390" { return "ibm" }
            return Self.vendorWord(vendorID)
        }
        if let implementer { return Self.armImplementers[implementer] ?? "arm-implementer-\(String(implementer, radix: 16))" }
        if powerCPU != nil { return "ibm" }
        return nil
    }

    package static let x86Vendors: [String: String] = [
        "GenuineIntel": "intel", "AuthenticAMD": "amd", "HygonGenuine": "hygon",
        "CentaurHauls": "centaur", "Shanghai": "zhaoxin",
    ]

    /// arch/arm64 MIDR implementer codes (arch/arm64/include/asm/cputype.h).
    package static let armImplementers: [UInt64: String] = [
        0x41: "arm", 0x42: "broadcom", 0x43: "cavium", 0x46: "fujitsu", 0x48: "hisilicon",
        0x4e: "nvidia", 0x50: "apm", 0x51: "qualcomm", 0x61: "apple", 0x6d: "microsoft", 0xc0: "ampere",
    ]

    /// A vendor string as the schema's `^[a-z][a-z0-9_-]*$` word.
    package static func vendorWord(_ text: String) -> String {
        var word = String(text.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "-" })
        while word.hasPrefix("-") { word.removeFirst() }
        while word.hasSuffix("-") { word.removeLast() }
        if word.isEmpty || !(word.first?.isLetter ?? false) { word = "vendor-" + word }
        return word
    }
}

package enum CPUInfoReader {
    /// Parses `/proc/cpuinfo`; `file` names it in errors, which carry the line.
    package static func parse(_ text: String, file: String) -> (info: CPUInfo, errors: [InputError]) {
        var info = CPUInfo()
        var errors: [InputError] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            guard !rawLine.trimmingWhitespace().isEmpty else { continue }
            guard let colon = rawLine.firstIndex(of: ":") else {
                errors.append(InputError(source: file, line: line, message: "expected \"key : value\", found \"\(rawLine.prefix(80))\""))
                continue
            }
            let key = rawLine[..<colon].trimmingWhitespace()
            let value = rawLine[rawLine.index(after: colon)...].trimmingWhitespace()
            switch key {
            case "vendor_id":
                if info.vendorID == nil { info.vendorID = value }
            case "model name":
                if info.modelName == nil { info.modelName = value }
            case "address sizes":
                guard let bits = physicalBits(value) else {
                    errors.append(InputError(source: file, line: line, message: "expected \"N bits physical, M bits virtual\" with N from 32 to 64, found \"\(value.prefix(80))\""))
                    continue
                }
                // Every processor prints it; the narrowest is the one the host can rely on.
                info.physBits = min(info.physBits ?? bits, bits)
            case "flags":
                let flags = Set(value.split(separator: " ").map(String.init))
                if flags.contains("hypervisor") { info.isVirtualMachine = true }
                if flags.contains("lm") { info.hasLongMode = true }
            case "CPU implementer":
                guard let code = hexNumber(value) else {
                    errors.append(InputError(source: file, line: line, message: "expected a hex implementer code such as 0x41, found \"\(value.prefix(80))\""))
                    continue
                }
                if info.implementer == nil { info.implementer = code }
            case "CPU part":
                if info.part == nil { info.part = value }
            case "CPU architecture":
                if info.cpuArchitecture == nil { info.cpuArchitecture = value }
            case "cpu":
                if info.powerCPU == nil { info.powerCPU = value }
            default:
                continue
            }
        }
        return (info, errors)
    }

    /// `46 bits physical, 48 bits virtual` → 46.
    package static func physicalBits(_ value: String) -> Int? {
        guard let physical = value.split(separator: ",").first else { return nil }
        let words = physical.split(separator: " ")
        guard words.count == 3, words[1] == "bits", words[2] == "physical", let bits = Int(words[0]), (32...64).contains(bits) else { return nil }
        return bits
    }

    package static func hexNumber(_ value: String) -> UInt64? {
        let lower = value.lowercased()
        guard lower.hasPrefix("0x") else { return nil }
        let digits = lower.dropFirst(2)
        guard (1...16).contains(digits.count), digits.allSatisfy(\.isHexDigit) else { return nil }
        return UInt64(digits, radix: 16)
    }
}
