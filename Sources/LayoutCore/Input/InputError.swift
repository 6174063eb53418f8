/// Bad input: which file, where in it, and what was expected. Exit code 2 at the command line.
public struct InputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file (or `<stdin>`, `--ram`, …) the input came from.
    public let source: String
    /// A JSON path such as `$.reserved[1].end`, or empty when the problem is the whole input.
    public let path: String
    /// The 1-based line, when the input is a file.
    public let line: Int?
    /// What was found and what was expected.
    public let message: String

    package init(source: String, path: String = "", line: Int? = nil, message: String) {
        self.source = source
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        var location = source
        if let line { location += ":\(line)" }
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}

/// Several input errors found in one pass, so a user fixes a profile once instead of once per error.
public struct InputErrors: Error, Sendable, CustomStringConvertible {
    /// In the order the inputs were given.
    public let errors: [InputError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }

    package init(errors: [InputError]) {
        self.errors = errors
    }
}
