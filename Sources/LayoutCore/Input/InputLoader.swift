import Foundation

/// Reads profiles and specs from files and folders, the way the command line and provisioning
/// tools name them.
public enum InputLoader {
    /// Profiles from files and folders (every `*.json` directly inside a folder), in name order.
    /// Every profile is read even after one fails, so all errors are reported together.
    public static func loadHosts(paths: [String]) throws -> [HostProfile] {
        guard !paths.isEmpty else { throw InputError(source: "--hosts", message: "no host profiles given") }
        var files: [String] = []
        // Canonical paths a folder listing already gave (FolderListing), by index into `files`.
        var knownCanonical: [String?] = []
        var errors: [InputError] = []
        for path in paths {
            defer { knownCanonical += Array(repeating: nil, count: files.count - knownCanonical.count) }
            if path == "-" { files.append(path); continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                errors.append(InputError(source: path, message: InputFileReader.describeMissing(path)))
                continue
            }
            if isDirectory.boolValue {
                guard let listing = FolderListing(folder: path) else {
                    errors.append(InputError(source: path, message: "cannot list this folder (permissions?)"))
                    continue
                }
                if listing.entries.isEmpty { errors.append(InputError(source: path, message: "the folder holds no *.json host profiles")) }
                files.append(contentsOf: listing.entries.map(\.path))
                knownCanonical.append(contentsOf: listing.entries.map(\.canonicalPath))
            } else {
                files.append(path)
            }
        }
        // Canonical paths and parsing run on every CPU (ParallelMap); the duplicate check and the
        // collection of results stay in file order, so the errors and their order are a loop's.
        let canonical = ParallelMap.map(count: files.count) { index in
            files[index] == "-" ? stdinName : knownCanonical[index] ?? canonicalPath(files[index])
        }
        var seen: [String: String] = [:]
        var parse: [Bool] = []
        parse.reserveCapacity(files.count)
        for (file, canonical) in zip(files, canonical) {
            let first = seen[canonical]
            if first == nil { seen[canonical] = file }
            parse.append(first == nil)
        }
        var parsed = ParallelMap.map(count: files.count) { index -> Result<HostProfile, Error>? in
            guard parse[index] else { return nil }
            let file = files[index]
            return Result { try HostProfileParser.parse(try readBytes(file), source: sourceName(file)) }
        }
        var hosts: [HostProfile] = []
        hosts.reserveCapacity(files.count)
        for (index, file) in files.enumerated() {
            // take(): the profile moves out of the slot; binding it copied every profile (a retain per member).
            guard let outcome = parsed[index].take() else {
                let first = seen[canonical[index]] ?? file
                errors.append(InputError(source: sourceName(file), message: file == "-" ? "standard input is given twice; it can be read once" : "the same file is given twice (also as \(first))"))
                continue
            }
            switch outcome {
            case .success(let host): hosts.append(host)
            case .failure(let error as InputError): errors.append(error)
            case .failure(let error): throw error
            }
        }
        if errors.count == 1 { throw errors[0] }
        if !errors.isEmpty { throw InputErrors(errors: errors) }
        return hosts
    }

    /// One spelling per file, so a file named twice (`./a.json`, a symlink) is found. realpath(3)
    /// rather than URL's resolvingSymlinksInPath, which cost as much as parsing the profile itself
    /// in a 10,000-host fleet.
    package static func canonicalPath(_ file: String) -> String {
        if let resolved = realpath(file, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        return URL(fileURLWithPath: file).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// One VM spec (`layoutsolve/vm/v1`); `-` reads standard input.
    public static func loadVM(path: String) throws -> VMSpec {
        try VMSpecParser.parse(try readBytes(path), source: sourceName(path))
    }

    /// What messages call standard input, everywhere.
    package static let stdinName = "<stdin>"

    /// The name messages give a path: `<stdin>` for `-`.
    package static func sourceName(_ path: String) -> String { path == "-" ? stdinName : path }

    /// The file's bytes; `-` is standard input.
    package static func readBytes(_ path: String) throws -> [UInt8] {
        // Says what a path is when it is not a readable file, and bounds the size (InputFileReader).
        try InputFileReader.read(path)
    }
}
