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
}
