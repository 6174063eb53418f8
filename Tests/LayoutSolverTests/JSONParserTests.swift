import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

@Suite("Strict JSON parsing")
struct JSONParserTests {
    func parse(_ text: String) throws(JSONParser.SyntaxError) -> JSONNode { try JSONParser.parse(Array(text.utf8)) }

    @Test func keepsNumbersAsTextAndKeysInOrder() throws {
        let node = try parse(#"{"b": 18446744073709551615, "a": [1, -2.5e3, "x", true, null]}"#)
        guard case .object(let members) = node.value else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["b", "a"])
        #expect(members[0].value.value == .number("18446744073709551615"))
    }

    @Test func reportsLinesOfSyntaxErrors() {
        let cases: [(String, Int, String)] = [
            ("{\n  \"a\": 1,\n}", 3, "expected a quoted member name"),
            ("{\"a\": 1}\n{", 2, "after the end"),
            ("", 1, "empty"),
            ("{\"a\": \"x\ny\"}", 1, "control character"),
            ("{\"a\": 01}", 1, "leading zeros"),
            ("{\"a\": 1, \"a\": 2}", 1, "appears twice"),
            ("[1 2]", 1, "expected ',' or ']'"),
            ("{\"a\": tru}", 1, "expected 'true'"),
        ]
        for (text, line, fragment) in cases {
            #expect {
                try parse(text)
            } throws: { error in
                guard let error = error as? JSONParser.SyntaxError else { return false }
                return error.line == line && error.message.contains(fragment)
            }
        }
    }

    @Test func limitsNestingInsteadOfExhaustingTheStack() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.SyntaxError.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try parse(fine) }
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let node = try parse(#""a\"\\\/\n\u00e9\ud83d\ude00""#)
        #expect(node.value == .string("a\"\\/\né😀"))
        #expect(throws: JSONParser.SyntaxError.self) { try parse(#""\ud83d""#) }
        #expect(throws: JSONParser.SyntaxError.self) { try parse("\"\u{FF}\"".replacingOccurrences(of: "\u{FF}", with: "\\q")) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse([0x22, 0xff, 0x22]) }
    }

    @Test func rejectsInvalidUTF8BetweenEscapes() throws {
        // A multi-byte character cut by an escape, and a stray continuation byte after one.
        #expect(throws: JSONParser.SyntaxError(line: 1, message: "a string is not valid UTF-8")) { try JSONParser.parse(Array("\"a\u{E9}".utf8.prefix(3)) + Array(#"\n""#.utf8)) }
        #expect(throws: JSONParser.SyntaxError(line: 1, message: "a string is not valid UTF-8")) { try JSONParser.parse(Array(#""\n"#.utf8) + [0x80, 0x22]) }
        #expect(try parse(#""é\té""#).value == .string("é\té"))
    }

    @Test func valuesAreReadOneLevelAtATime() throws {
        let node = try parse("{\"a\": [1, {\"b\": \"x\\u0041\"}],\n \"c\": null}")
        guard case .object(let members) = node.value else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["a", "c"] && members[1].value.line == 2)
        guard case .array(let elements) = members[0].value.value else { Issue.record("not an array"); return }
        #expect(elements.map(\.value) == [.number("1"), .object([(key: "b", value: try parse(#""xA""#))])])
        // Equal values on equal lines are equal nodes, whichever document they come from.
        #expect(try parse("[1, 2]") == parse("[1,2]") && (try parse("[1,\n2]")) != (try parse("[1,2]")))
    }

    @Test func aDocumentHoldsAtMostMaximumValues() throws {
        // The limit counts every value, containers included; one more is a size limit, not a
        // syntax error. (The CLI test reads a file past the real limit, 2^23.)
        #expect(JSONParser.maximumValues == 1 << 23)
        let zeros = { (count: Int) in Array(("[" + Array(repeating: "0", count: count).joined(separator: ",") + "]").utf8) }
        let atTheLimit = try JSONParser.parse(zeros(999), maximumValues: 1000)
        guard case .array(let elements) = atTheLimit.value else { Issue.record("not an array"); return }
        #expect(elements.count == 999)
        #expect(throws: JSONParser.SyntaxError(line: 1, message: "more than 1000 JSON values (member names count too); layoutsolve reads at most that many from one document (a host profile with 10^6 reserved regions has 7 million)", isSizeLimit: true)) {
            try JSONParser.parse(zeros(1000), maximumValues: 1000)
        }
        // 11: three objects, two arrays, three member names and three numbers.
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(#"{"a": [{"b": 1}, {"c": [2, 3]}]}"#.utf8), maximumValues: 10) }
        #expect(throws: Never.self) { try JSONParser.parse(Array(#"{"a": [{"b": 1}, {"c": [2, 3]}]}"#.utf8), maximumValues: 11) }
    }
}
