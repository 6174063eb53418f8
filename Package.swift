// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "layoutsolve",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "LayoutSolver", targets: ["LayoutSolver"]),
        .executable(name: "layoutsolve", targets: ["layoutsolve"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Debian's libglpk-dev ships no glpk.pc, so the module map links it directly.
        .systemLibrary(name: "CGLPK", path: "Sources/CGLPK", providers: [.apt(["libglpk-dev"])]),
        // setjmp/longjmp cannot cross Swift frames: every GLPK call that can fail runs in C.
        .target(
            name: "CGLPKGuard",
            dependencies: ["CGLPK"],
            path: "Sources/CGLPKGuard",
            linkerSettings: [.linkedLibrary("glpk")]
        ),
        // The library's layers, each a target so the compiler enforces one direction of dependence:
        // values and validated inputs -> machine models -> placement -> outputs -> probe / fleet check
        // -> the LayoutSolver umbrella (the product) -> the CLI. The graph and what each layer owns:
        // Sources/LayoutSolver/LayoutSolver.docc/Architecture.md (ArchitectureTests keeps the two in step).
        .target(name: "LayoutCore", path: "Sources/LayoutCore"),
        .target(name: "LayoutMachines", dependencies: ["LayoutCore"], path: "Sources/LayoutMachines"),
        .target(name: "LayoutPlacement", dependencies: ["LayoutCore", "LayoutMachines", "CGLPKGuard"], path: "Sources/LayoutPlacement"),
        .target(name: "LayoutOutputs", dependencies: ["LayoutCore", "LayoutMachines", "LayoutPlacement"], path: "Sources/LayoutOutputs"),
        .target(name: "LayoutProbe", dependencies: ["LayoutCore"], path: "Sources/LayoutProbe"),
        .target(
            name: "LayoutFleetCheck",
            dependencies: ["LayoutCore", "LayoutMachines", "LayoutPlacement", "LayoutOutputs"],
            path: "Sources/LayoutFleetCheck"
        ),
        .target(
            name: "LayoutSolver",
            dependencies: ["LayoutCore", "LayoutMachines", "LayoutPlacement", "LayoutOutputs", "LayoutProbe", "LayoutFleetCheck", "LayoutRehearsal"],
            path: "Sources/LayoutSolver"
        ),
        .executableTarget(
            name: "layoutsolve",
            dependencies: [
                "LayoutSolver",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/layoutsolve"
        ),
        // Rehearsal: a real Linux VFIO in a TCG virtual host, for solved layouts and host profiles (Patches/ are data).
        .target(name: "LayoutRehearsal", dependencies: ["LayoutCore", "LayoutMachines", "LayoutPlacement", "LayoutOutputs"],
                path: "Sources/LayoutRehearsal", exclude: ["Patches"]),
        .testTarget(name: "RehearsalTests", dependencies: ["LayoutRehearsal", "LayoutSolver", "layoutsolve", "TestSupport"], path: "Tests/RehearsalTests"),
        // Realistic fleets as profile files, shared by the benchmark and the scale tests.
        .target(name: "FleetGenerator", dependencies: ["LayoutSolver"], path: "Sources/FleetGenerator"),
        // A plain executable, not a test: `.ci/bench` builds it in release mode and prints the report.
        .executableTarget(name: "LayoutBench", dependencies: ["LayoutSolver", "FleetGenerator"], path: "Sources/LayoutBench"),
        // Fixtures are probe input trees the tests read from disk, not sources.
        .testTarget(name: "LayoutSolverTests", dependencies: ["LayoutSolver", "FleetGenerator", "TestSupport"], path: "Tests/LayoutSolverTests", exclude: ["Fixtures"]),
        // Runs the built `layoutsolve` binary: exit codes, streams and files as a user sees them.
        .testTarget(name: "CLITests", dependencies: ["layoutsolve", "FleetGenerator", "TestSupport"], path: "Tests/CLITests"),
        // Test helpers shared by the test targets: the repository's root and its JSON files, and a trait
        // that keeps blocking tests off Swift's cooperative pool. Not part of the library.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // Boots Debian's kernel as the guest of a layout under TCG (slow; LAYOUTSOLVE_SKIP_SLOW_TESTS=1 skips).
        .testTarget(name: "GuestBootTests", dependencies: ["LayoutSolver", "LayoutRehearsal", "TestSupport"], path: "Tests/GuestBootTests"),
        // Real, paused QEMU 7.2 and 10.0 reading the memory map back, and a real libvirtd.
        .testTarget(
            name: "QEMUIntegrationTests",
            dependencies: ["LayoutSolver", "FleetGenerator", "TestSupport"],
            path: "Tests/QEMUIntegrationTests",
            exclude: ["Fixtures"]
        ),
    ]
)
