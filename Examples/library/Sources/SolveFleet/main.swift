import LayoutSolver

// Paths are relative to Examples/library, where `swift run` starts.
let hosts = try InputLoader.loadHosts(paths: ["../fleets/mixed-x86"])
let vm = try InputLoader.loadVM(path: "../vm/db-64g.json")
do {
    let solution = try Solver.solve(hosts: hosts, vm: vm)
    for region in solution.layout.regions where region.isDMATarget {
        print("\(region.name): \(region.range)")
    }
    print(QEMUArguments.shellLine(QEMUArguments.argv(for: solution.layout)))
    // The same layout on a host that joins the fleet later:
    for fit in FitCheck.check(layout: solution.layout, hosts: hosts) where !fit.fits {
        print("\(fit.host) cannot run it: \(fit.problems)")
    }
} catch let noLayout as NoLayoutExists {
    for conflict in noLayout.conflicts { print(conflict.message, conflict.hosts) }
}
