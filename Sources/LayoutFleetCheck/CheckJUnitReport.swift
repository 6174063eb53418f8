import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// JUnit XML, the report format CI systems display as test results: one test case per profile
/// (its lint) and one per VM shape (whether it fits, and against the baseline).
package enum CheckJUnitReport {
    package static func render(_ report: CheckReport) -> String {
        var profileCases: [String] = []
        var profileFailures = 0
        for entry in report.profiles {
            let failing = entry.findings.filter(report.fails)
            let text = entry.findings.map { "\($0.severity.rawValue): \($0.location): \($0.message) [\($0.code)]" }.joined(separator: "\n")
            var body = ""
            if let first = failing.first {
                profileFailures += 1
                body += "      <failure message=\"\(escape(first.message))\" type=\"\(escape(first.code))\">\(escape(text))</failure>\n"
            } else if !text.isEmpty {
                body += "      <system-out>\(escape(text))</system-out>\n"
            }
            profileCases.append(testCase(name: entry.file, className: "layoutsolve.profiles", body: body))
        }
        var shapeCases: [String] = []
        var shapeFailures = 0
        for shape in report.shapes {
            let detail = CheckTextReport.shapeLines(shape, report: report).joined(separator: "\n")
            var body = ""
            if let failure = report.failure(of: shape) {
                shapeFailures += 1
                body += "      <failure message=\"\(escape(failure))\" type=\"\(type(of: shape))\">\(escape(detail))</failure>\n"
            } else {
                body += "      <system-out>\(escape(detail))</system-out>\n"
            }
            shapeCases.append(testCase(name: "\(shape.name) (\(shape.file))", className: "layoutsolve.shapes", body: body))
        }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"layoutsolve check\" tests=\"\(profileCases.count + shapeCases.count)\" failures=\"\(profileFailures + shapeFailures)\" errors=\"0\">\n"
        xml += suite(name: "profiles", cases: profileCases, failures: profileFailures)
        xml += suite(name: "vm-shapes", cases: shapeCases, failures: shapeFailures)
        xml += "</testsuites>\n"
        return xml
    }

    package static func type(of shape: CheckReport.Shape) -> String {
        switch shape.outcome {
        case .fits: return "layout-changed"
        case .doesNotFit: return "does-not-fit"
        case .noHosts: return "no-hosts"
        case .invalid: return "invalid"
        }
    }

    package static func suite(name: String, cases: [String], failures: Int) -> String {
        "  <testsuite name=\"\(name)\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\">\n" + cases.joined() + "  </testsuite>\n"
    }

    package static func testCase(name: String, className: String, body: String) -> String {
        if body.isEmpty { return "    <testcase name=\"\(escape(name))\" classname=\"\(className)\"/>\n" }
        return "    <testcase name=\"\(escape(name))\" classname=\"\(className)\">\n\(body)    </testcase>\n"
    }

    /// Attribute- and text-safe; characters XML 1.0 cannot carry at all are dropped.
    package static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\n": result += "&#10;"
            case "\t", "\r": result += " "
            default:
                if scalar.value >= 0x20 && !(0xFFFE...0xFFFF).contains(scalar.value) { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }
}
