/// At most `limit` characters of a value a user gave, for an error message: a pasted megabyte (or a
/// 100,000-digit number) must not come back as a megabyte of stderr. The length says it was cut.
package func quotedForMessage(_ text: some StringProtocol, limit: Int = 80) -> String {
    text.count <= limit ? String(text) : "\(text.prefix(limit - 3))… (\(text.count) characters)"
}
