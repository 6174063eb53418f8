import LayoutSolver

// Paths are relative to Examples/library, where `swift run` starts.
let hosts = try InputLoader.loadHosts(paths: ["../fleets/mixed-x86"])
let vm = try InputLoader.loadVM(path: "../vm/db-64g.json")
let solution = try Solver.solve(hosts: hosts, vm: vm)
print(ASCIIMap.render(solution))
print(QEMUArguments.shellLine(QEMUArguments.argv(for: solution.layout)))
