import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

@Suite("check: SHA-256 and layout digests")
struct CheckDigestTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        // 55, 56 and 64 bytes: the padding boundaries.
        (String(repeating: "a", count: 55), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (String(repeating: "a", count: 56), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (String(repeating: "a", count: 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
    ])
    func knownVectors(input: String, expected: String) {
        #expect(SHA256.hexDigest(input) == expected)
    }

    @Test func aMillionAs() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(hasher.finalize().map { String(format: "%02x", $0) }.joined() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func theDigestCoversTheGuestNotTheHosts() throws {
        let gib = CheckFixture.gib
        let vm = VMSpec(name: "db", ram: 64 * gib, maxmem: 128 * gib, slots: 4)
        let a = try Solver.solve(hosts: [Fixture.x86Host("xeon-1"), Fixture.x86Host("client", iommuBits: 39)], vm: vm)
        // Other names, counts, order and VM name; the same constraints give the same guest.
        var renamed = [Fixture.x86Host("client-b", iommuBits: 39), Fixture.x86Host("xeon-2")]
        renamed[0].count = 17
        var otherName = vm
        otherName.name = "db-copy"
        let b = try Solver.solve(hosts: renamed, vm: otherName)
        #expect(LayoutDigest.digest(for: a) == LayoutDigest.digest(for: b))
        #expect(LayoutDigest.digest(for: a).hasPrefix("sha256:") && LayoutDigest.digest(for: a).count == 71)
        let canonical = LayoutDigest.canonicalDocument(for: a)
        #expect(!canonical.contains("xeon-1") && !canonical.contains("\"hosts\"") && canonical.contains("\"regions\"") && canonical.contains("\"argv\""))
        // A host that moves the map (wider IOMMU only: phys-bits change) changes the digest.
        let wide = try Solver.solve(hosts: [Fixture.x86Host("xeon-1")], vm: vm)
        #expect(LayoutDigest.digest(for: wide) != LayoutDigest.digest(for: a))
        #expect(LayoutDigest.short(LayoutDigest.digest(for: a)).count == 12)
    }
}
