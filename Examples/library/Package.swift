// swift-tools-version:6.0
// An application that uses layoutsolve as a library: `swift run` in this folder solves the
// mixed x86 fleet of Examples/fleets for the 64 GiB VM of Examples/vm.
import PackageDescription

let package = Package(
    name: "solve-fleet",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "layoutsolve", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "SolveFleet",
            dependencies: [.product(name: "LayoutSolver", package: "layoutsolve")]
        ),
    ]
)
