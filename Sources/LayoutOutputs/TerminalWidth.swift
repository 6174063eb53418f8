#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The width the terminal map fits: `$COLUMNS` when it is set (a user or a script can ask for a
/// width, also for a file), else the terminal's own width (TIOCGWINSZ) when standard output is
/// one, else none: a file or a pipe gets every host in one table, the same bytes on any machine.
package enum TerminalWidth {
    /// Narrower than this, the map cannot show even one host beside the guest column.
    package static let minimum = 40

    package static func columns(environment: [String: String], isTerminal: Bool, terminalColumns: () -> Int? = measured) -> Int? {
        if let text = environment["COLUMNS"], let columns = Int(text.trimmingCharacters(in: " ")), columns > 0 {
            return max(columns, minimum)
        }
        guard isTerminal, let columns = terminalColumns(), columns > 0 else { return nil }
        return max(columns, minimum)
    }

    /// The terminal's width from the kernel, or nil when standard output is not a terminal.
    package static func measured() -> Int? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> Substring {
        self.drop { $0 == character }.reversed().drop { $0 == character }.reversed().reduce(into: Substring()) { $0.append($1) }
    }
}
