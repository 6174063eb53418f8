/// Bad input: which file, where in it, and what was expected. Exit code 2 at the command line.
package struct InputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file (or `<stdin>`, `--ram`, …) the input came from.
    package let source: String
    /// A JSON path such as `$.reserved[1].end`, or empty when the problem is the whole input.
    package let path: String
    /// The 1-based line, when the input is a file.
    package let line: Int?
    /// What was found and what was expected.
    package let message: String

    package init(source: String, path: String = "", line: Int? = nil, message: String) {
        self.source = source
        self.path = path
        self.line = line
        self.message = message
    }

    package var description: String {
        var location = source
        if let line { location += ":\(line)" }
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}

/// Several input errors found in one pass, so a user fixes a profile once instead of once per error.
package struct InputErrors: Error, Sendable, CustomStringConvertible {
    /// In the order the inputs were given.
    package let errors: [InputError]
    package var description: String { errors.map(\.description).joined(separator: "\n") }

    package init(errors: [InputError]) {
        self.errors = errors
    }
}
