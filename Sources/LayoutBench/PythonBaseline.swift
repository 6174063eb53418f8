import Foundation

/// The yardstick for parsing at fleet scale: how long Python 3 takes to list the same
/// folder, read every file and `json.loads` it (the least any Python provisioning tool pays),
/// timed inside the interpreter so its start-up is not counted. Measured in the same case process
/// right after the pipeline, so both see the same machine load. NaN when `python3` is absent.
enum PythonBaseline {
    static let script = """
    import json, os, sys, time
    folder, vm, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        names = sorted(n for n in os.listdir(folder) if n.endswith('.json'))
        members = 0
        for path in [os.path.join(folder, n) for n in names] + [vm]:
            with open(path, 'rb') as f:
                members += len(json.loads(f.read()))
        assert members > 0
        times.append(time.perf_counter() - started)
    print(sorted(times)[len(times) // 2])
    """

    /// The median of `repetitions` runs, in seconds.
    static func seconds(hostsFolder: String, vmFile: String, repetitions: Int) -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, hostsFolder, vmFile, String(repetitions)]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return .nan }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return .nan }
        return Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? .nan
    }
}
