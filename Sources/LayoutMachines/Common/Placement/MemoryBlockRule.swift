import LayoutCore

/// The guest's memory block: Linux onlines hot-added memory (DIMMs, cold or hot) only in whole
/// blocks, so every DIMM's address and size must be a multiple of it. A DIMM off the boundary is
/// accepted by QEMU and refused by the guest (GuestBoot.md measures both).
///
/// On x86_64 the block size depends on where boot memory ends, which the placement decides, so a
/// machine offers one rule per range of that end and the search tries each (PlacementRules.md in
/// LayoutSolver.docc).
package struct MemoryBlockRule: Equatable, Sendable {
    /// DIMM sizes and addresses are multiples of this (never below the placement unit).
    package var granule: UInt64
    /// The end of boot RAM (the address after its last byte) must lie below this for the rule to hold.
    package var bootEndBelow: UInt64?
    /// … or at or above this.
    package var bootEndAtLeast: UInt64?
    /// … and leave a remainder in `bootEndResidues` when divided by `modulus` (x86 picks its block
    /// from the end's alignment).
    package var bootEndModulus: UInt64?
    package var bootEndResidues: ClosedRange<UInt64> = 0...0
    /// The rule in words, for explanations.
    package var summary: String

    package init(granule: UInt64, bootEndBelow: UInt64? = nil, bootEndAtLeast: UInt64? = nil, bootEndModulus: UInt64? = nil, bootEndResidues: ClosedRange<UInt64> = 0...0, summary: String) {
        self.granule = granule
        self.bootEndBelow = bootEndBelow
        self.bootEndAtLeast = bootEndAtLeast
        self.bootEndModulus = bootEndModulus
        self.bootEndResidues = bootEndResidues
        self.summary = summary
    }

    /// The user's `memory_block_size`, which overrides the kernel's rule.
    package static func stated(_ size: UInt64, unit: UInt64) -> MemoryBlockRule {
        MemoryBlockRule(granule: max(size, unit), summary: "DIMMs in the VM's \(ByteCount.format(size)) memory blocks (memory_block_size)")
    }
}

/// Linux x86_64's block size, `probe_memory_block_size()` in arch/x86/mm/init_64.c: 128 MiB
/// (MIN_MEMORY_BLOCK_SIZE) while boot memory ends below 64 GiB (MEM_SIZE_FOR_LARGE_BLOCK); above,
/// in a VM (X86_FEATURE_HYPERVISOR), the largest power of two up to 2 GiB (MAX_BLOCK_SIZE) that
/// aligns the end of boot memory (max_pfn: the end of the highest e820 RAM; DIMMs come later,
/// through ACPI). One rule per block size, each fixing the end's alignment exactly: the block is
/// 2 GiB when the end is a multiple of 2 GiB, `b` from 1 GiB down to 256 MiB when it is an odd
/// multiple of `b`, and 128 MiB when it is no multiple of 256 MiB (the loop stops at the minimum).
package enum X86MemoryBlocks {
    package static let MIN_MEMORY_BLOCK_SIZE: UInt64 = 128 << 20
    package static let MAX_BLOCK_SIZE: UInt64 = 2 << 30
    package static let MEM_SIZE_FOR_LARGE_BLOCK: UInt64 = 64 << 30

    package static func rules(spec: VMSpec, unit: UInt64) -> [MemoryBlockRule] {
        if let size = spec.memoryBlockSize { return [.stated(size, unit: unit)] }
        var rules = [MemoryBlockRule(granule: max(MIN_MEMORY_BLOCK_SIZE, unit), bootEndBelow: MEM_SIZE_FOR_LARGE_BLOCK,
                                     summary: "boot RAM ends below 64 GiB, so the guest onlines memory in 128 MiB blocks")]
        var block = MAX_BLOCK_SIZE
        // Larger blocks first: ties in the objective then keep the coarser, more common alignment.
        while block >= MIN_MEMORY_BLOCK_SIZE && block >= unit {
            let residues: ClosedRange<UInt64>, words: String
            if block == MAX_BLOCK_SIZE {
                residues = 0...0
                words = "a multiple of 2 GiB"
            } else if block == MIN_MEMORY_BLOCK_SIZE {
                residues = unit...(2 * block - unit)
                words = "no multiple of 256 MiB"
            } else {
                residues = block...block
                words = "an odd multiple of \(ByteCount.format(block))"
            }
            rules.append(MemoryBlockRule(
                granule: block, bootEndAtLeast: MEM_SIZE_FOR_LARGE_BLOCK, bootEndModulus: block == MAX_BLOCK_SIZE ? block : 2 * block, bootEndResidues: residues,
                summary: "boot RAM ends at or above 64 GiB on \(words), so the guest onlines memory in \(ByteCount.format(block)) blocks"))
            block /= 2
        }
        return rules
    }
}

/// Linux arm64's block size is its memory section: 128 MiB with 4 KiB pages and 512 MiB with 64 KiB
/// pages since 5.12 (arch/arm64/include/asm/sparsemem.h), 1 GiB before. 1 GiB is safe for all of them.
package enum ArmMemoryBlocks {
    package static let safeDefault: UInt64 = 1 << 30

    package static func rules(spec: VMSpec, unit: UInt64) -> [MemoryBlockRule] {
        if let size = spec.memoryBlockSize { return [.stated(size, unit: unit)] }
        return [MemoryBlockRule(granule: max(safeDefault, unit), summary: "DIMMs in 1 GiB blocks, which every arm64 kernel onlines (set memory_block_size for finer ones)")]
    }
}
