import Testing

/// Inputs that used to trap (exit 132 and a backtrace) in the pc derivation: low RAM reaching the
/// I/O APIC at 0xfec00000 force-unwrapped an empty pci-hole32 range (issue 15).
@Suite("layoutsolve command line: no trap reachable from input")
struct NoTrapCLITests {
    let cli = CLITests()

    @Test func pcLowRAMAtTheIOAPICSolves() throws {
        // The solver may not keep 4076M below 4 GiB (QEMU would leave no 32-bit hole); it finds a split that works.
        let result = try cli.run(["--hosts", "Profiles/intel-xeon-vtd48.json", "--machine", "pc", "--ram", "4076M", "--pci-hole32", "0", "--format", "qemu"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("size=4076M\n"))
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Backtrace"))
    }

    @Test(arguments: ["4080M", "4076M"])
    func verifyLowRAMPastTheIOAPICIsQEMUsRefusal(ram: String) throws {
        let result = try cli.run(["verify", "--qemu-args", "-M pc,max-ram-below-4g=4G -m \(ram) -cpu host", "--hosts", "Profiles/intel-xeon-vtd48.json"])
        // verify reports a QEMU refusal as a host that does not fit (exit 1), like every other refusal.
        #expect(result.status == 1, "\(result.stderr)")
        #expect((result.stdout + result.stderr).contains("reaches the I/O APIC at 0xfec00000"))
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Backtrace"))
    }
}
