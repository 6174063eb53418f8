import Foundation
import Testing
@testable import LayoutRehearsal

/// Downloads from Debian's mirror: slow on a cold cache, skipped with LAYOUTSOLVE_SKIP_SLOW_TESTS=1.
private let skipSlow = ProcessInfo.processInfo.environment["LAYOUTSOLVE_SKIP_SLOW_TESTS"] == "1"

@Suite(.serialized, .enabled(if: !skipSlow, "LAYOUTSOLVE_SKIP_SLOW_TESTS=1"))
struct DebianPackagesTests {
    @Test func unpacksBusyboxAndTheSecondCallIsCached() throws {
        let folder = try DebianPackages.unpack(["busybox-static"], suite: "bookworm")
        #expect(FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("bin/busybox").path))
        #expect(DebianPackages.unpackedDebs(in: folder).first?.hasPrefix("busybox-static_") == true)
        let start = Date()
        let again = try DebianPackages.unpack(["busybox-static"], suite: "bookworm")
        #expect(again == folder)
        #expect(Date().timeIntervalSince(start) < 1)
    }

    @Test func unknownPackageNamesThePackage() throws {
        let error = #expect(throws: DebianPackageError.self) {
            _ = try DebianPackages.unpack(["no-such-package-layoutsolve"], suite: "bookworm")
        }
        #expect(error?.subject == "no-such-package-layoutsolve")
        #expect(error?.output.isEmpty == false)
    }

    @Test func unsupportedSuiteIsRefused() {
        #expect(throws: DebianPackageError.self) { _ = try DebianPackages.unpack(["busybox-static"], suite: "sid") }
    }

    @Test func newestBackportsKernelIs612Unsigned() throws {
        let name = try DebianPackages.newestBackportsKernel612()
        #expect(name.hasPrefix("linux-image-6.12"))
        #expect(name.hasSuffix("-amd64-unsigned"))
    }
}
